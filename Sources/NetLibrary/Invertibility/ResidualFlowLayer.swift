import Foundation
import NetRuntime

/// The residual block y = x + g(x) as a layer of an invertible network (Thm. 4.1) and of a
/// flow: its log-det by the chosen estimator (Sec. 5.2), its inverse by fixed-point
/// iteration (Alg. 1), the Lipschitz constants of g, and the bounds of Lemma 5.5.
extension Residual: InvertibleLayer {
    public var capabilities: FlowCapabilities { .init(inverse: .fixedPoint, logDet: .estimated, reportedAsBlock: true) }

    /// Lip(x + g(x)) ≤ 1 + Lip(g) (Lemma 4.6).
    public func forwardLipschitz<T: NetScalar>(_ variables: VariableStore<T>, bodyLipschitz: Double?) -> Double? {
        bodyLipschitz.flatMap { $0 < 1 ? 1 + $0 : nil }
    }

    /// Invertible when g is contractive by construction: no projection shortcut, every
    /// layer of g bounded, activations 1-Lipschitz, and Π of the bounds below 1.
    public func flowViolation(for requirement: FlowRequirement) -> (layer: Layer, reason: FlowViolation.Reason, detail: String)? {
        if projection != nil {
            return (self, .notInvertible, "the body changes the shape, so the block is P(x) + g(x) with a learned projection P, which has no inverse")
        }
        var product = 1.0
        // A model used as a layer of the body counts by its own layers.
        for layer in body.openedLayers.map(\.layer) {
            guard let bounded = layer as? LipschitzBounded else {
                return (layer, .notLipschitzConstrained, "\(layer.kind) has no Lipschitz bound, so Lip(g) < 1 cannot be guaranteed")
            }
            guard let c = bounded.nominalLipschitz else {
                return (layer, .notLipschitzConstrained, bounded.unboundedReason)
            }
            if layer is Activation, c > 1 {
                return (layer, .activationNotOneLipschitz, "\(layer.kind)\(layer.details.isEmpty ? "" : "(\(layer.details))") has slope up to \(c), so Lip(g) may exceed the product of the constraints")
            }
            product *= c
        }
        guard product < 1 else {
            return (self, .notContractive, "the product of the body's Lipschitz bounds is \(product), not below 1 (Thm. 4.1 needs Lip(g) < 1)")
        }
        return nil
    }

    public func applyWithLogDet(_ x: Node, _ context: ApplyContext, settings: LogDetSettings) -> (output: Node, logDet: Node?) {
        let (y, g) = identityPlusBody(x, context)
        return (y, ResidualLogDet.estimate(block: g, input: x, settings: settings))
    }

    /// x ← y − g(x) from x₀ = y, with Lemma 4.5's bounds from the measured Lip(g).
    public func invert<T: NetScalar>(_ y: Tensor<T>, inputShape: [Int], _ inverse: inout FixedPointInverse<T>) throws -> Tensor<T> {
        try inverse.fixedPoint(self, y, inputShape: inputShape)
    }

    /// Lemma 5.5 per block: d·log(1 − L) ≤ log|det(I + J_g)| ≤ d·log(1 + L), L the measured Lip(g).
    public func logDetRange(inputShape: [Int], lipschitz: LipschitzReport?, variables: VariableStore<Double>) -> (lower: Double, upper: Double) {
        let L = lipschitz?.measured ?? .infinity
        return LogDetBounds.lemma55(dimension: inputShape.reduce(1, *), lipschitz: [L])
    }

    public func lipschitzReport(name: String, variables: VariableStore<Double>) -> LipschitzReport? {
        // Rows are named under `name`, the block's path in the model asking (a composed
        // model's block "feat.residual1" has the rows "feat.residual1.dense1", …).
        let rows = body.openedLayers.map { ($0.layer, name + $0.path.dropFirst(path.count)) }.map { layer, path -> LipschitzReport.Row in
            guard let bounded = layer as? LipschitzBounded else {
                return .init(name: path, kind: layer.kind, nominal: nil, measured: .infinity, estimate: nil)
            }
            let (norm, estimate) = bounded.measuredLipschitz(variables)
            return .init(name: path, kind: layer.kind, nominal: bounded.nominalLipschitz, measured: norm, estimate: estimate)
        }
        return LipschitzReport(name: name, rows: rows)
    }
}
