import Foundation

/// Singular values of a matrix with two columns (the linearisation D_I A of a ReLU layer
/// on R², Figs. 3.1 and 3.3) from the eigenvalues of its 2×2 Gram matrix AᵀA, with the
/// rank tolerance of `LayerSpectra` (σ non-zero when σ > max(m, 2)·ε·σ_max).
public enum PlanarSingularValues {
    /// σ₁ ≥ σ₂ ≥ 0 of the rows (each two numbers).
    public static func values(_ rows: [[Double]]) -> (largest: Double, smallest: Double) {
        var g = (0.0, 0.0, 0.0)     // (Σ a₁², Σ a₁a₂, Σ a₂²)
        for r in rows { g.0 += r[0] * r[0]; g.1 += r[0] * r[1]; g.2 += r[1] * r[1] }
        let trace = g.0 + g.2, gap = ((g.0 - g.2) * (g.0 - g.2) + 4 * g.1 * g.1).squareRoot()
        let l1 = (trace + gap) / 2
        // The smaller eigenvalue as det/λ₁, which does not cancel when it is tiny.
        let l2 = l1 > 0 ? max(0, (g.0 * g.2 - g.1 * g.1) / l1) : 0
        return (l1.squareRoot(), l2.squareRoot())
    }

    /// The number of non-zero singular values and σ_max / σ_min≠0 (1 for rank 1; NaN for
    /// rank 0, where there is no non-zero singular value).
    public static func condition(_ rows: [[Double]]) -> (rank: Int, condition: Double) {
        let (s1, s2) = values(rows)
        let tol = Double(max(rows.count, 2)) * Double.ulpOfOne * s1
        guard s1 > 0 else { return (0, .nan) }
        return s2 > tol ? (2, s1 / s2) : (1, 1)
    }
}
