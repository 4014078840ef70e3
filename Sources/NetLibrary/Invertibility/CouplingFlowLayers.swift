import Foundation
import NetRuntime

// The coupling layers and the 1×1 convolution as layers of a flow: a triangular (coupling)
// or LU-factored (1×1 convolution) Jacobian, so an exact log-det at every x and an inverse
// in closed form, planned once per layer and batch size.

extension Coupling: InvertibleLayer {
    /// Analytic inverse, exact log-det (zero for the additive coupling, which keeps volume).
    public var capabilities: FlowCapabilities {
        .init(inverse: .analytic, logDet: transform == .additive ? .zero : .exact, reportedAsBlock: true)
    }

    public func applyWithLogDet(_ x: Node, _ context: ApplyContext, settings: LogDetSettings) -> (output: Node, logDet: Node?) {
        forward(x, context)
    }

    public func invert<T: NetScalar>(_ y: Tensor<T>, inputShape: [Int], _ inverse: inout FixedPointInverse<T>) throws -> Tensor<T> {
        try inverse.evaluate(key: "coupling\(ObjectIdentifier(self).hashValue)", y) { self.inverse($0) }
    }

    /// The additive coupling keeps volume (0, 0); the affine one's s = sigmoid(·) ∈ (0, 1)
    /// gives log|det J| ∈ (−∞, 0) with nothing bounding it below.
    public func logDetRange(inputShape: [Int], lipschitz: LipschitzReport?, variables: VariableStore<Double>) -> (lower: Double, upper: Double) {
        transform == .additive ? (0, 0) : (-.infinity, 0)
    }
}

extension InvertibleConv1x1: InvertibleLayer {
    public var capabilities: FlowCapabilities { .init(inverse: .analytic, logDet: .exact, reportedAsBlock: true) }

    public func applyWithLogDet(_ x: Node, _ context: ApplyContext, settings: LogDetSettings) -> (output: Node, logDet: Node?) {
        (mix(x, weight()), logDet(batch: x.shape[0]))
    }

    public func invert<T: NetScalar>(_ y: Tensor<T>, inputShape: [Int], _ inverse: inout FixedPointInverse<T>) throws -> Tensor<T> {
        try inverse.evaluate(key: "conv1x1\(ObjectIdentifier(self).hashValue)", y) { self.mix($0, self.inverseWeight()) }
    }

    /// The same at every x: (spatial size)·Σ log|s|.
    public func logDetRange(inputShape: [Int], lipschitz: LipschitzReport?, variables: VariableStore<Double>) -> (lower: Double, upper: Double) {
        let value = variables.value(logScale!).scalars.reduce(0, +) * Double(spatialSize)
        return (value, value)
    }
}
