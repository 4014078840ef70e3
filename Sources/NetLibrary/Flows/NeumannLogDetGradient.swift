import NetRuntime

/// The Neumann-series gradient of log|det(I + J_g)| (Residual Flows, Chen et al. 2019,
/// eq. 8) — constant memory in the number of series terms.
///
/// The gradient of the log-det with respect to any θ (weights or the block's input) is
///
///     ∂θ log det(I + J) = tr((I + J)⁻¹ ∂θJ) = Σ_{m≥0} (−1)ᵐ tr(Jᵐ ∂θJ),
///
/// estimated with the probe v as uᵀ(∂θJ)v where u = Σ_{m<T} (−1)ᵐ vᵀJᵐ / P(T > m).
/// u is computed by vector-Jacobian products that are *not* differentiated, so their
/// intermediate values are freed as the step runs; the gradient comes from the
/// **surrogate** s = uᵀJv (one differentiable vector-Jacobian product), whose
/// value is not the log-det. NetLang adds it as s − stop(s), which is 0 in value, to the
/// series estimate computed without a graph: the number you see is the log-det estimate,
/// the gradient is the Neumann series'. (The gradient is an unbiased estimate of the
/// log-det's gradient, not the exact gradient of the series estimate: the two agree in
/// expectation over v, by the cyclic property of the trace.)
public enum NeumannLogDetGradient {
    /// The per-sample log-det estimate [N] (value: the weighted series; gradient: the
    /// Neumann series), for term weights 1/P(T ≥ k), k = 1…T.
    public static func estimate(block g: Node, input x: Node, probe v: Node, weights: [Double]) -> Node {
        precondition(g.shape == x.shape && v.shape == x.shape, "log-det needs g(x), x and the probe of one shape")
        precondition(!weights.isEmpty, "the series needs at least one term")
        let graph = x.graph
        let featureAxes = Array(1..<x.rank)
        var w = v                                   // w_m = vᵀJᵐ, not differentiated
        var u = v * weights[0]                      // m = 0: weight 1/P(T ≥ 1)
        var value: Node? = nil
        for (i, weight) in weights.enumerated() {
            let k = i + 1
            w = graph.vjp(g, wrt: x, vector: w).stoppingGradient
            let term = PowerSeriesLogDet.term(k, w, v, weight: weight, featureAxes: featureAxes)
            value = value.map { $0 + term } ?? term
            if k < weights.count { u = u + w * ((k % 2 == 0 ? 1.0 : -1.0) * weights[k]) }  // m = k: 1/P(T ≥ k + 1)
        }
        let surrogate = (graph.vjp(g, wrt: x, vector: u.stoppingGradient) * v).sum(axes: featureAxes)
        return value!.stoppingGradient + (surrogate - surrogate.stoppingGradient)
    }
}
