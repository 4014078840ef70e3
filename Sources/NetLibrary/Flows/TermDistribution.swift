import Foundation
import NetRuntime

/// The distribution of the number K ≥ 0 of series terms a Russian-roulette estimator adds
/// after its exact terms (Residual Flows, Chen et al. 2019, eq. 6).
///
/// Term n + j is kept when K ≥ j and then divided by P(K ≥ j), so its expectation is the
/// term itself: the estimator is unbiased whenever the series converges absolutely. Its
/// variance is finite only if the terms shrink faster than P(K ≥ j) — roughly Lip(g)² <
/// 1 − p for the geometric distribution — so constrain the blocks well below 1.
public enum TermDistribution: Sendable, Equatable, CustomStringConvertible {
    /// P(K = j) = p·(1 − p)ʲ, j = 0, 1, …; P(K ≥ j) = (1 − p)ʲ; E[K] = (1 − p)/p.
    case geometric(p: Double)
    /// K ~ Poisson(λ); E[K] = λ. Its tail falls faster than any geometric one.
    case poisson(lambda: Double)

    /// The largest K ever drawn: a draw above it is clamped. Chosen so that
    /// P(K > maximum) < 10⁻¹² for the distribution — an event that never happens in a
    /// training run but keeps the number of compiled step variants finite.
    public var maximum: Int {
        if case let .geometric(p) = self { return Int((Foundation.log(1e-12) / Foundation.log(1 - p)).rounded(.down)) }
        var j = 0
        while survival(j + 1) >= 1e-12 && j < 1000 { j += 1 }
        return j
    }

    /// P(K ≥ j).
    public func survival(_ j: Int) -> Double {
        guard j > 0 else { return 1 }
        switch self {
        case let .geometric(p):
            return Foundation.pow(1 - p, Double(j))
        case let .poisson(lambda):
            // 1 − P(K ≤ j − 1), summed from the pmf; for large j sum the tail directly.
            var pmf = Foundation.exp(-lambda), below = 0.0
            for i in 0..<j {
                below += pmf
                pmf *= lambda / Double(i + 1)
            }
            if below < 0.5 { return 1 - below }
            var tail = 0.0, term = pmf
            for i in j..<(j + 200) {
                tail += term
                term *= lambda / Double(i + 1)
                if term < tail * 1e-17 { break }
            }
            return tail
        }
    }

    /// The expected number of extra terms E[K].
    public var mean: Double {
        switch self {
        case let .geometric(p): return (1 - p) / p
        case let .poisson(lambda): return lambda
        }
    }

    /// One draw of K, clamped to `maximum`.
    public func sample(_ rng: inout RandomGenerator) -> Int {
        let u = rng.uniform()
        // Inverse CDF: the smallest K with P(K ≥ K + 1) ≤ u, i.e. P(K > K) ≤ u.
        let cap = maximum
        var k = 0
        while k < cap && survival(k + 1) > u { k += 1 }
        return k
    }

    public var description: String {
        switch self {
        case let .geometric(p): return "geometric(p: \(p))"
        case let .poisson(lambda): return "poisson(lambda: \(lambda))"
        }
    }
}
