/// What one invertible layer can promise, declared by the layer (`InvertibleLayer.capabilities`)
/// and read by the flow check and the built-ins instead of asking what type a layer is:
/// how it is inverted, how its log-determinant is known, and whether it keeps volume.
public struct FlowCapabilities: Sendable, Equatable {
    public enum Inverse: String, Sendable {
        /// In closed form (coupling layers, the 1×1 convolution, actnorm, squeeze, reshapes):
        /// exact up to rounding, no iteration.
        case analytic
        /// By fixed-point iteration x ← y − g(x) (a residual block, Alg. 1): converges when
        /// Lip(g) < 1, to a tolerance, with Lemma 4.5's error bound.
        case fixedPoint = "fixed point"
    }

    public enum LogDet: String, Sendable {
        /// Computed exactly at every x (a triangular or constant Jacobian).
        case exact
        /// 0 at every x: the layer keeps volume (additive coupling, squeeze, reshapes).
        case zero
        /// Estimated by a series with random probes (a residual block, Sec. 5.2), unless the
        /// exact method is asked for.
        case estimated
        /// No log-determinant: the layer is injective, not bijective (channel padding).
        case none
    }

    public var inverse: Inverse
    public var logDet: LogDet
    /// Whether the inverse reports this layer as a block of its own (a learned step of the
    /// flow: coupling layers, 1×1 convolutions, residual blocks) rather than a fixed
    /// rearrangement or a normalisation.
    public var reportedAsBlock: Bool

    public init(inverse: Inverse, logDet: LogDet, reportedAsBlock: Bool = false) {
        self.inverse = inverse; self.logDet = logDet; self.reportedAsBlock = reportedAsBlock
    }

    /// Keeps volume: log|det J| = 0 everywhere.
    public var volumePreserving: Bool { logDet == .zero }

    /// A fixed rearrangement of the values (squeeze, reshapes, factor-out): inverse in closed
    /// form, volume kept.
    public static let rearrangement = FlowCapabilities(inverse: .analytic, logDet: .zero)
}
