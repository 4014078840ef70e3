import NetRuntime

/// The truncated power series for log|det(I + J_g(x))| of a residual block with
/// Lip(g) < 1, with Hutchinson's trace estimator (thesis eq. 5.6, Alg. 2):
///
///     log det(I + J) = Σ_{k≥1} (−1)^{k+1} tr(Jᵏ)/k  ≈  Σ_{k=1..n} (−1)^{k+1} vᵀJᵏv / k
///
/// with v ~ N(0, I) (or Rademacher). vᵀJᵏ is built as k successive vector-Jacobian
/// products w_k = w_{k−1}ᵀ·J_g(x), w₀ = v, so the estimate is a graph of differentiable
/// operations: its gradient with respect to the block's weights (second-order autodiff)
/// is what training a flow on this estimate needs.
public enum PowerSeriesLogDet {
    /// The per-sample estimate [N] for block output `g` = g(`x`), probe `v` of x's shape
    /// (batch first), and `terms` = n.
    public static func estimate(block g: Node, input x: Node, probe v: Node, terms: Int) -> Node {
        estimate(block: g, input: x, probe: v, weights: Array(repeating: 1, count: terms))
    }

    /// The series with term k multiplied by `weights[k − 1]`: all ones for the truncated
    /// series, 1/P(T ≥ k) for a Russian-roulette draw of T terms (`LogDetSettings.termWeights`).
    public static func estimate(block g: Node, input x: Node, probe v: Node, weights: [Double]) -> Node {
        precondition(g.shape == x.shape && v.shape == x.shape, "log-det needs g(x), x and the probe of one shape")
        precondition(!weights.isEmpty, "the series needs at least one term")
        let graph = x.graph
        let featureAxes = Array(1..<x.rank)
        var w = v
        var total: Node? = nil
        for (i, weight) in weights.enumerated() {
            let k = i + 1
            w = graph.vjp(g, wrt: x, vector: w)
            let term = Self.term(k, w, v, weight: weight, featureAxes: featureAxes)
            total = total.map { $0 + term } ?? term
        }
        return total!
    }

    /// Series term k per sample: (−1)^{k+1}·weight·⟨w_k, v⟩/k, with w_k = vᵀJᵏ.
    static func term(_ k: Int, _ w: Node, _ v: Node, weight: Double, featureAxes: [Int]) -> Node {
        (w * v).sum(axes: featureAxes) * ((k % 2 == 1 ? 1.0 : -1.0) * weight / Double(k))
    }
}
