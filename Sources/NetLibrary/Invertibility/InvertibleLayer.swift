import NetRuntime

/// A layer an invertible network or a flow may contain at its top level: residual blocks
/// (Thm. 4.1), actnorm, squeeze/unsqueeze, factor-out, injective channel padding, and the
/// reshapes between them. The per-layer knowledge of chapters 4 and 5 lives here, and the
/// fixed-point inverse (`FixedPointInverse`), the flow check (`Flow`), the Lipschitz
/// verification (`LipschitzVerification`) and the log-det bounds (`LogDetBounds`) iterate
/// the layers through this protocol.
public protocol InvertibleLayer: Layer {
    /// How the layer is inverted and how its log-determinant is known (`FlowCapabilities`):
    /// what the flow check and the built-ins ask instead of the layer's type.
    var capabilities: FlowCapabilities { get }
    /// What keeps this layer from being part of an invertible network (`.invertible`) or
    /// of a flow with a density (`.density`), with the sub-layer at fault; nil: nothing.
    func flowViolation(for requirement: FlowRequirement) -> (layer: Layer, reason: FlowViolation.Reason, detail: String)?
    /// The layer applied to x with its per-example log|det J| [N] (nil: 0, a
    /// volume-preserving map) — the layer's term in the change of variables (Lemma 5.2).
    func applyWithLogDet(_ x: Node, _ context: ApplyContext, settings: LogDetSettings) -> (output: Node, logDet: Node?)
    /// x with layer(x) = y, y of shape [N] + the layer's output shape.
    func invert<T: NetScalar>(_ y: Tensor<T>, inputShape: [Int], _ inverse: inout FixedPointInverse<T>) throws -> Tensor<T>
    /// The range log|det J| can take at any x, given the measured Lip(g) of a residual
    /// block (Lemma 5.5); exact for maps with a constant Jacobian.
    func logDetRange(inputShape: [Int], lipschitz: LipschitzReport?, variables: VariableStore<Double>) -> (lower: Double, upper: Double)
    /// The Lipschitz constants of the layer's contractive part g (nil: none, the layer is
    /// inverted in closed form). `name` is the layer's path ("residual3").
    func lipschitzReport(name: String, variables: VariableStore<Double>) -> LipschitzReport?
    /// An upper bound on Lip(layer) itself (not of a body), given the measured Lip(g) of a
    /// residual block; nil: not known (then bounds that need it are not given).
    func forwardLipschitz<T: NetScalar>(_ variables: VariableStore<T>, bodyLipschitz: Double?) -> Double?
}

extension InvertibleLayer {
    public func flowViolation(for requirement: FlowRequirement) -> (layer: Layer, reason: FlowViolation.Reason, detail: String)? { nil }
    public func applyWithLogDet(_ x: Node, _ context: ApplyContext, settings: LogDetSettings) -> (output: Node, logDet: Node?) {
        (apply(x, context), nil)
    }
    public func logDetRange(inputShape: [Int], lipschitz: LipschitzReport?, variables: VariableStore<Double>) -> (lower: Double, upper: Double) { (0, 0) }
    public func lipschitzReport(name: String, variables: VariableStore<Double>) -> LipschitzReport? { nil }
    public func forwardLipschitz<T: NetScalar>(_ variables: VariableStore<T>, bodyLipschitz: Double?) -> Double? { nil }
}

/// What a model must be for a built-in: invertible (`inverse`, `check_lipschitz`), or a
/// flow with a density — bijective, every layer with a log-determinant (`flow_nll`,
/// `log_likelihood`, `bits_per_dim`, `sample`, `logdet_bounds`, `logdet`).
public enum FlowRequirement: Sendable {
    case invertible
    case density
}

/// The Lipschitz constants of one residual block's body g: per layer nominal and measured,
/// and their products, upper bounds on Lip(g).
public struct LipschitzReport: Sendable {
    public struct Row: Sendable {
        /// The layer's path as parameter names use it ("residual3.dense1", "residual3.elu1").
        public var name: String
        public var kind: String
        /// c of a constrained weight, the largest slope of an activation; nil: unbounded.
        public var nominal: Double?
        /// The measured constant at full precision: the effective weight's operator norm
        /// (SVD, or power iteration to convergence), the activation's slope, the largest
        /// |scale| of a normalisation.
        public var measured: Double
        /// For a constrained weight: the training-time estimate σ̂/max(1, σ̂/c) from the
        /// stored power-iteration vector (Float64).
        public var estimate: Double?
    }
    /// The block ("residual3").
    public var name: String
    public var rows: [Row]
    /// Π nominal (nil when some layer is unbounded).
    public var nominal: Double? {
        rows.reduce(Optional(1.0)) { product, row in product.flatMap { p in row.nominal.map { p * $0 } } }
    }
    /// Π measured: the bound on Lip(g) that bounds, inverse and verdicts use.
    public var measured: Double { rows.map(\.measured).reduce(1, *) }
    /// Thm. 4.1's condition on the measured bound.
    public var invertible: Bool { measured < 1 }
}
