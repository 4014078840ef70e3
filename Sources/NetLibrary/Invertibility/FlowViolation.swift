/// Why a model is not an invertible network or not a flow: the first layer that breaks
/// it (`layer`, possibly inside a residual block; `index` is its top-level position, from
/// 1) and the reason.
public struct FlowViolation: Error, CustomStringConvertible {
    public enum Reason: String, Sendable {
        /// No inverse: a top-level dense, convolution, activation, normalisation, pooling,
        /// or a residual block with a projection shortcut.
        case notInvertible = "not invertible"
        /// Invertible (or injective) but without a log-determinant, so no density.
        case noLogDet = "no log-det"
        /// A residual body with a layer that nothing bounds: an unconstrained weight, a
        /// normalisation's learned scale.
        case notLipschitzConstrained = "body not Lipschitz-constrained"
        /// A residual body with an activation whose slope exceeds 1 (elu(alpha: 2)).
        case activationNotOneLipschitz = "activation not 1-Lipschitz"
        /// The product of the body's bounds is not below 1 (Thm. 4.1 needs Lip(g) < 1).
        case notContractive = "residual body not contractive"
    }

    public var model: String
    public var index: Int
    public var layer: Layer
    public var reason: Reason
    public var detail: String

    public var description: String {
        "'\(model)' is not \(reason == .noLogDet ? "a flow" : "invertible"): layer \(index) (\(layer.kind)) — \(reason.rawValue): \(detail)"
    }
}
