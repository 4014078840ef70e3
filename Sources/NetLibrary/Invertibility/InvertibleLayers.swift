import Foundation
import NetRuntime

// The layers with a closed-form inverse: their `InvertibleLayer` conformances. The
// residual block, inverted by fixed-point iteration, is in `ResidualFlowLayer.swift`.

extension ActNorm: InvertibleLayer {
    public var capabilities: FlowCapabilities { .init(inverse: .analytic, logDet: .exact) }

    /// max |s|: y = s ⊙ x + b scales each channel by its s.
    public func forwardLipschitz<T: NetScalar>(_ variables: VariableStore<T>, bodyLipschitz: Double?) -> Double? {
        variables.value(scale!).scalars.map { Swift.abs(Double($0)) }.max() ?? 1
    }

    /// y = s ⊙ x + b: log|det J| = (spatial size)·Σ log|s|, the same at every x.
    public func applyWithLogDet(_ x: Node, _ context: ApplyContext, settings: LogDetSettings) -> (output: Node, logDet: Node?) {
        (forward(x, context), (scale!.abs().log().sum() * Double(spatialSize)).reshaped([1]).broadcast(to: [x.shape[0]]))
    }

    public func invert<T: NetScalar>(_ y: Tensor<T>, inputShape: [Int], _ inverse: inout FixedPointInverse<T>) throws -> Tensor<T> {
        let s = inverse.variables.value(scale!), b = inverse.variables.value(shift!)
        return FixedPointInverse<T>.channelwise(y, s, b) { y, s, b in (y - b) / s }
    }

    public func logDetRange(inputShape: [Int], lipschitz: LipschitzReport?, variables: VariableStore<Double>) -> (lower: Double, upper: Double) {
        let value = variables.value(scale!).scalars.map { Foundation.log(abs($0)) }.reduce(0, +) * Double(spatialSize)
        return (value, value)
    }
}

extension Squeeze: InvertibleLayer {
    public var capabilities: FlowCapabilities { .rearrangement }
    public func forwardLipschitz<T: NetScalar>(_ variables: VariableStore<T>, bodyLipschitz: Double?) -> Double? { 1 }

    public func invert<T: NetScalar>(_ y: Tensor<T>, inputShape: [Int], _ inverse: inout FixedPointInverse<T>) throws -> Tensor<T> {
        try inverse.evaluate(key: "unsqueeze\(factor)", y) { $0.unsqueezed(factor) }
    }
}

extension Unsqueeze: InvertibleLayer {
    public var capabilities: FlowCapabilities { .rearrangement }
    public func forwardLipschitz<T: NetScalar>(_ variables: VariableStore<T>, bodyLipschitz: Double?) -> Double? { 1 }

    public func invert<T: NetScalar>(_ y: Tensor<T>, inputShape: [Int], _ inverse: inout FixedPointInverse<T>) throws -> Tensor<T> {
        try inverse.evaluate(key: "squeeze\(factor)", y) { $0.squeezed(factor) }
    }
}

extension PadChannels: InvertibleLayer {
    public var capabilities: FlowCapabilities { .init(inverse: .analytic, logDet: .none) }
    public func forwardLipschitz<T: NetScalar>(_ variables: VariableStore<T>, bodyLipschitz: Double?) -> Double? { 1 }

    /// Injective, not bijective: invertible on its image, but a density needs a bijection.
    public func flowViolation(for requirement: FlowRequirement) -> (layer: Layer, reason: FlowViolation.Reason, detail: String)? {
        requirement == .density
            ? (self, .noLogDet, "pad_channels(\(extra)) is injective, not bijective, so the change of variables has no log-determinant for it")
            : nil
    }

    public func invert<T: NetScalar>(_ y: Tensor<T>, inputShape: [Int], _ inverse: inout FixedPointInverse<T>) throws -> Tensor<T> {
        try inverse.evaluate(key: "unpad\(inputShape[0])", y) { $0.droppingPaddedChannels(keeping: inputShape[0]) }
    }
}

extension FactorOut: InvertibleLayer {
    public var capabilities: FlowCapabilities { .rearrangement }
    public func forwardLipschitz<T: NetScalar>(_ variables: VariableStore<T>, bodyLipschitz: Double?) -> Double? { 1 }

    /// Joins the part that left here (from z) with the rest: channels, factored part first.
    public func invert<T: NetScalar>(_ y: Tensor<T>, inputShape: [Int], _ inverse: inout FixedPointInverse<T>) throws -> Tensor<T> {
        let n = y.shape[0]
        let part = inverse.takeFactoredPart()
        let a = part.count / max(n, 1), b = y.count / max(n, 1)
        var joined = [T](); joined.reserveCapacity(n * (a + b))
        for i in 0..<n {
            joined += part.scalars[(i * a)..<((i + 1) * a)]
            joined += y.scalars[(i * b)..<((i + 1) * b)]
        }
        return Tensor(shape: [n] + inputShape, scalars: joined)
    }
}

extension Flatten: InvertibleLayer {
    public var capabilities: FlowCapabilities { .rearrangement }
    public func forwardLipschitz<T: NetScalar>(_ variables: VariableStore<T>, bodyLipschitz: Double?) -> Double? { 1 }

    public func invert<T: NetScalar>(_ y: Tensor<T>, inputShape: [Int], _ inverse: inout FixedPointInverse<T>) throws -> Tensor<T> {
        y.reshaped([y.shape[0]] + inputShape)
    }
}

extension Reshape: InvertibleLayer {
    public var capabilities: FlowCapabilities { .rearrangement }
    public func forwardLipschitz<T: NetScalar>(_ variables: VariableStore<T>, bodyLipschitz: Double?) -> Double? { 1 }

    public func invert<T: NetScalar>(_ y: Tensor<T>, inputShape: [Int], _ inverse: inout FixedPointInverse<T>) throws -> Tensor<T> {
        y.reshaped([y.shape[0]] + inputShape)
    }
}
