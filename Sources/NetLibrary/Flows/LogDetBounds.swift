/// Bounds on log-determinants of invertible ResNets (thesis Sec. 5.2).
public enum LogDetBounds {
    /// Lemma 5.5: for F = f_T ∘ … ∘ f_1 with f_t = I + g_t and Lip(g_t) = L_t < 1,
    /// d·Σ log(1 − L_t) ≤ log|det J_F(x)| ≤ d·Σ log(1 + L_t) for every x.
    public static func lemma55(dimension d: Int, lipschitz: [Double]) -> (lower: Double, upper: Double) {
        let lower = lipschitz.map { $0 < 1 ? Foundation.log(1 - $0) : -Double.infinity }.reduce(0, +)
        let upper = lipschitz.map { Foundation.log(1 + $0) }.reduce(0, +)
        return (Double(d) * lower, Double(d) * upper)
    }

    /// Theorem 5.8: the truncation error of the n-term power series,
    /// |PS(J_g, n) − log det(I + J_g)| ≤ −d·(log(1 − L) + Σ_{k=1..n} Lᵏ/k).
    public static func theorem58(dimension d: Int, lipschitz L: Double, terms n: Int) -> Double {
        guard L < 1 else { return .infinity }
        var partial = 0.0, power = 1.0
        for k in 1...max(n, 1) where n >= 1 {
            power *= L
            partial += power / Double(k)
        }
        return -Double(d) * (Foundation.log(1 - L) + partial)
    }
}
import Foundation
