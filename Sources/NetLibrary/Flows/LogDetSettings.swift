import NetRuntime

/// How residual blocks estimate log|det(I + J_g)| in a flow (thesis Sec. 5.2).
public struct LogDetSettings: Sendable {
    public enum Method: Sendable, Equatable {
        /// Truncated power series with Hutchinson probes (eq. 5.6): biased by the
        /// truncation error of Thm 5.8.
        case powerSeries(terms: Int)
        /// Russian roulette (beyond the thesis; Residual Flows): `exactTerms` always, plus
        /// a random number K of further terms drawn from `distribution`, term n + j
        /// reweighted by 1/P(K ≥ j). Unbiased for the log-det itself.
        case russianRoulette(exactTerms: Int, distribution: TermDistribution)
        /// Exact: full Jacobian and LU (small dimension only; the oracle for tests).
        case exact
    }

    /// How the log-det estimate's gradient is computed.
    public enum Gradient: String, Sendable, Equatable {
        /// Backpropagation through every vector-Jacobian product of the series (Alg. 2):
        /// memory grows with the number of terms.
        case backpropagation
        /// The Neumann-series gradient (Residual Flows): the chain vᵀJᵏ is computed without
        /// a graph and the gradient comes from one differentiable product uᵀJv with
        /// u = Σₖ (−1)ᵏ vᵀJᵏ / P(T > k) — memory independent of the number of terms.
        /// The surrogate uᵀJv is *not* the log-det; see `NeumannLogDetGradient`.
        case neumann
    }

    public var method: Method
    public var probes: Int
    public var rademacher: Bool
    public var gradient: Gradient
    /// For `russianRoulette`: the number K of further terms drawn for the graph being
    /// built. A planned graph has a fixed shape, so a training loop draws K each step and
    /// runs the step compiled for that K (see `CompiledTraining`).
    public var extraTerms: Int
    /// Given Hutchinson probes, one node [N] + the flow's input shape per probe, instead of
    /// `probes` random ones: the estimate is then reproducible exactly.
    public var probeVectors: [Node]?

    public init(method: Method = .powerSeries(terms: 5), probes: Int = 1, rademacher: Bool = false,
                gradient: Gradient = .backpropagation, extraTerms: Int = 0) {
        self.method = method; self.probes = probes; self.rademacher = rademacher
        self.gradient = gradient; self.extraTerms = extraTerms
    }

    /// The weight 1/P(T ≥ k) of series term k = 1, 2, … for the graph being built, where
    /// T is the (random) number of terms; nil for the exact method.
    public var termWeights: [Double]? {
        switch method {
        case let .powerSeries(terms): return Array(repeating: 1, count: terms)
        case let .russianRoulette(n, distribution):
            return Array(repeating: 1, count: n) + (0..<extraTerms).map { 1 / distribution.survival($0 + 1) }
        case .exact: return nil
        }
    }
}
