import NetRuntime

/// A Lipschitz constraint on a layer's weight, thesis Sec. 4.2.1: the weight is replaced
/// by W / max(1, σ̂/c) on every step, σ̂ from power iteration (eq. 4.9).
///
/// NetLang means the soft rescale of eq. 4.9 — a weight whose estimated norm is below c is
/// left alone — applied inside the step's graph (so gradients see it), not Keras's
/// `SpectralNormalization` (which always divides by σ) nor a post-step projection.
public struct LipschitzConstraint: Sendable, Equatable, CustomStringConvertible {
    /// The coefficient c (< 1 for an invertible residual block).
    public var coefficient: Double
    /// Power iterations per step (with the vector kept between steps).
    public var iterations: Int

    public init(coefficient: Double, iterations: Int = 1) {
        self.coefficient = coefficient
        self.iterations = iterations
    }

    public var description: String { "lipschitz(c: \(coefficient), iterations: \(iterations))" }

    /// The constrained version of a dense weight [out, in], recording the update of the
    /// power-iteration vector in `context`.
    func apply(to weight: Node, vector u: Node, _ context: ApplyContext) -> Node {
        let sn = SpectralNorm(weight: weight, u: u, coefficient: coefficient, iterations: iterations,
                              updatingVector: context.training)
        if context.training { context.addUpdate(sn.update.variable, sn.update.value) }
        return sn.weight
    }
}
