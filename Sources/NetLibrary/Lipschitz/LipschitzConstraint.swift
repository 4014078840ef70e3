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
    /// Power iterations per step inside the step's graph (with the vector kept between steps).
    public var iterations: Int
    /// When set, before every step the vector is refined by further power iterations until
    /// it moves by less than this (‖Δu‖₂, which bounds σ̂'s relative error by about the
    /// same; at most `maxIterations`): see `PowerIterationRefiner`. nil: exactly `iterations` per step.
    public var tolerance: Double?
    /// The cap on refinement iterations per step when `tolerance` is set.
    public var maxIterations: Int
    /// Where the power iteration's vector u starts when the layer is built.
    public var start: PowerIterationStart

    public init(coefficient: Double, iterations: Int = 1, tolerance: Double? = nil, maxIterations: Int = 100,
                start: PowerIterationStart = .exact) {
        self.coefficient = coefficient
        self.iterations = iterations
        self.tolerance = tolerance
        self.maxIterations = maxIterations
        self.start = start
    }

    public var description: String {
        let from = start == .exact ? "" : ", start: \"\(start.rawValue)\""
        if let tolerance { return "lipschitz(c: \(coefficient), tolerance: \(tolerance)\(from))" }
        return "lipschitz(c: \(coefficient), iterations: \(iterations)\(from))"
    }

    /// The constrained version of a dense weight [out, in], recording the update of the
    /// power-iteration vector in `context`.
    func apply(to weight: Node, vector u: Node, _ context: ApplyContext) -> Node {
        record(SpectralNorm(weight: weight, u: u, coefficient: coefficient, iterations: iterations,
                            updatingVector: context.training), context)
    }

    /// The normalised weight of `sn`; in training, its vector update and (with a tolerance)
    /// the refinement the step runs first.
    func record(_ sn: SpectralNorm, _ context: ApplyContext) -> Node {
        if context.training {
            context.addUpdate(sn.update.variable, sn.update.value)
            if let tolerance {
                context.addPowerIteration(.init(vector: sn.update.variable, next: sn.update.value, sigma: sn.sigma,
                                                tolerance: tolerance, maxIterations: maxIterations))
            }
        }
        return sn.weight
    }
}
