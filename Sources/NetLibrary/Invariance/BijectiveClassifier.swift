import Foundation
import NetRuntime

/// A bijective classifier with simplified read-out (thesis Def. 6.7): an invertible network
/// F: R^d → R^d whose first C outputs z_s are the logits (softmax on them classifies) and
/// whose other d − C outputs z_n are the nuisances, which the classifier never looks at.
public enum BijectiveClassifier {
    /// Why `classes` logits cannot be read out of d outputs with nuisances left over, or nil.
    public static func readoutProblem(classes: Int, dimension d: Int) -> String? {
        if classes < 1 { return "the read-out needs at least one class, got \(classes)" }
        if classes >= d {
            return "a read-out of \(classes) logits from \(d) outputs leaves no nuisance variables (Def. 6.7 needs C < d for z_n = z_{C+1..d})"
        }
        return nil
    }

    /// The metameric target of Def. 6.8: z_s from z (the input's logits) and the nuisances
    /// (1 − t)·z_n + t·z̃_n interpolated towards the reference's (t = 1: Def. 6.8 itself;
    /// intermediate t: the rows of Fig. 6.5). z and reference are [N, d] (flattened outputs).
    public static func metamericTarget(z: Tensor<Double>, reference: Tensor<Double>, classes: Int, mix t: Double) -> Tensor<Double> {
        precondition(z.shape == reference.shape && z.rank == 2 && classes < z.shape[1])
        let n = z.shape[0], d = z.shape[1]
        var out = z.scalars
        for i in 0..<n {
            for j in classes..<d {
                out[i * d + j] = (1 - t) * z.scalars[i * d + j] + t * reference.scalars[i * d + j]
            }
        }
        return Tensor(shape: [n, d], scalars: out)
    }

    /// A bound on ‖F(x̂) − z‖ for the output x̂ of the fixed-point inverse of z: inverting
    /// block t stops at x_{k+1} = y − g(x_k), so F_t(x_{k+1}) − y = g(x_k) − g(x_{k+1}), of norm
    /// at most L_t·r_t with r_t = ‖x_{k+1} − x_k‖ its last residual; that error then passes
    /// through the later layers (Lip ≤ 1 + L for a residual block, max|s| for actnorm, 1 for
    /// reshapes, each layer's `forwardLipschitz`). Blocks inverted in closed form add nothing. Sum over blocks: Σ_t L_t·r_t·Π_{s>t} Lip(F_s). L_t is the product of the
    /// block's *measured* layer norms (as `FixedPointInverse` reports them: SVD or converged power iteration), not
    /// the coefficients c, because a power iteration of one step per training step can leave
    /// a layer a few per cent above c. Nil if a block has no bound or a bound ≥ 1.
    /// `blocks` are the reports of `FixedPointInverse.invert`, in forward order.
    public static func forwardErrorBound(model: Model, variables: VariableStore<Float>,
                                         blocks: [FixedPointInverse<Float>.BlockReport]) -> Double? {
        // Each block's measured Lip(g), as the inverse reported it (its layer index from 1).
        var measured: [Int: Double] = [:]
        for report in blocks { if let L = report.lipschitzBound { measured[report.index] = L } }
        let layers = model.root.openedLayers.map(\.layer)   // indexed as the inverse reports blocks
        // Π over layers ≥ i of each layer's own Lipschitz bound (nil: some layer has none).
        var lipschitzAfter = [Double?](repeating: 1, count: layers.count + 1)
        for i in stride(from: layers.count - 1, through: 0, by: -1) {
            let lip = (layers[i] as? InvertibleLayer)?.forwardLipschitz(variables, bodyLipschitz: measured[i + 1])
            lipschitzAfter[i] = lip.flatMap { l in lipschitzAfter[i + 1].map { l * $0 } }
        }
        var bound = 0.0
        for report in blocks where !report.analytic {
            guard let L = measured[report.index], L < 1, let r = report.residuals.last,
                  let after = lipschitzAfter[report.index] else { return nil }
            // report.index counts layers from 1: the layers after block t start at index t.
            bound += L * r * after
        }
        return bound
    }
}
