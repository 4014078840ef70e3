import NetRuntime

/// How ReLU, acting as D_I (Def. 3.4), can change the singular values of a matrix A:
/// the global bounds of Lemma 3.5, the weakly-correlated-rows bound of Lemma 3.6 with the
/// construction of Fig. 3.3, and the admissibility of an index set (Def. 3.4 i).
///
/// Index sets I are 0-based row indices; D_I A is A with the rows in I set to zero.
/// Non-zero singular values use the rank tolerance of `MatrixSubspaces`.
public enum ReLUSingularValueBounds {
    /// Lemma 3.5 for one A and I.
    public struct GlobalBounds: Sendable {
        /// N, the number of non-zero singular values of A.
        public let rank: Int
        public let removed: Int
        /// min{σ(D_I A) > 0} and its bound σ̃_{N−|I|} (nil when N − |I| < 1: no bound).
        public let smallestNonZero: Double
        public let smallestBound: Double?
        /// max σ(D_I A) and its bound σ̃₁.
        public let largest: Double
        public let largestBound: Double
        public var holds: Bool {
            largest <= largestBound * (1 + 1e-12) && (smallestBound.map { smallestNonZero <= $0 * (1 + 1e-12) } ?? true)
        }
    }

    /// Lemma 3.6 for one A, I and removed row k ∈ I.
    public struct WeakCorrelation: Sendable {
        /// The smallest c for which (3.5) holds: max_{j∉I} |⟨a_j, a_k⟩|·√M / ‖a_k‖, M = m − |I|.
        public let c: Double
        /// σ_K = min{σ(D_I A) ≠ 0}.
        public let smallestNonZero: Double
        /// Whether a_k ∈ N(D_I A)⊥ (the lemma's hypothesis), to a relative residual of 10⁻⁹.
        public let hypothesis: Bool
        public var holds: Bool { !hypothesis || smallestNonZero <= c * (1 + 1e-12) }
    }

    public struct Failure: Error, CustomStringConvertible, Sendable { public var description: String }

    static func check(_ a: Tensor<Double>, _ inactive: [Int]) throws {
        guard a.rank == 2, a.shape[0] > 0, a.shape[1] > 0 else { throw Failure(description: "expected a non-empty matrix, got shape \(a.shape)") }
        guard a.scalars.allSatisfy(\.isFinite) else { throw Failure(description: "the matrix is not finite") }
        for i in inactive where i < 0 || i >= a.shape[0] {
            throw Failure(description: "row index \(i) is outside 0…\(a.shape[0] - 1)")
        }
        guard Set(inactive).count == inactive.count else { throw Failure(description: "the index set repeats a row") }
    }

    /// D_I A.
    public static func removingRows(_ a: Tensor<Double>, _ inactive: [Int]) -> Tensor<Double> {
        var d = a
        let n = a.shape[1]
        for i in inactive { for j in 0..<n { d.scalars[i * n + j] = 0 } }
        return d
    }

    private static func nonZero(_ s: [Double], _ m: Int, _ n: Int) -> [Double] {
        let tol = MatrixSubspaces.rankTolerance(s, rows: m, columns: n)
        return s.filter { $0 > tol }
    }

    public static func lemma35(_ a: Tensor<Double>, inactive: [Int]) throws -> GlobalBounds {
        try check(a, inactive)
        let m = a.shape[0], n = a.shape[1]
        let s = nonZero(try singularValues(a), m, n)
        let d = nonZero(try singularValues(removingRows(a, inactive)), m, n)
        let k = s.count - inactive.count
        return GlobalBounds(rank: s.count, removed: inactive.count, smallestNonZero: d.last ?? 0,
                            smallestBound: k >= 1 ? s[k - 1] : nil, largest: d.first ?? 0, largestBound: s.first ?? 0)
    }

    public static func lemma36(_ a: Tensor<Double>, inactive: [Int], removed k: Int) throws -> WeakCorrelation {
        try check(a, inactive)
        guard inactive.contains(k) else { throw Failure(description: "the removed row \(k) must be in the index set I") }
        let m = a.shape[0], n = a.shape[1]
        let row = { (i: Int) in Array(a.scalars[(i * n)..<((i + 1) * n)]) }
        let ak = row(k), normK = norm(ak)
        guard normK > 0 else { throw Failure(description: "row \(k) is zero") }
        let kept = (0..<m).filter { !inactive.contains($0) }
        var largestDot = 0.0
        for j in kept {
            var dot = 0.0
            for c in 0..<n { dot += a.scalars[j * n + c] * ak[c] }
            largestDot = max(largestDot, abs(dot))
        }
        let c = largestDot * Double(kept.count).squareRoot() / normK
        let dia = removingRows(a, inactive)
        let d = nonZero(try singularValues(dia), m, n)
        // a_k ∈ N(D_I A)⊥ = row space of D_I A: its projection onto the null space vanishes.
        let sub = try MatrixSubspaces(dia)
        let outside = norm(sub.nullSpace.map { v -> Double in
            var dot = 0.0
            for c in 0..<n { dot += v[c] * ak[c] }
            return dot
        })
        return WeakCorrelation(c: c, smallestNonZero: d.last ?? 0, hypothesis: outside <= 1e-9 * normK)
    }

    /// Def. 3.4 i: I is admissible for (A, b) when some x has ⟨a_i, x⟩ + b_i ≤ 0 for i ∈ I and
    /// > 0 for i ∉ I. Linear program: maximise δ ≤ 1 subject to those with "> 0" replaced by
    /// "≥ δ"; admissible iff δ* > 10⁻⁹·max(1, max|b|). Throws when GLPK gives no clear answer.
    public static func isAdmissible(_ a: Tensor<Double>, bias b: [Double], inactive: [Int]) throws -> Bool {
        try check(a, inactive)
        let m = a.shape[0], n = a.shape[1]
        guard b.count == m else { throw Failure(description: "the bias has \(b.count) values; the matrix has \(m) rows") }
        let set = Set(inactive)
        var rows: [[Double]] = [], bounds: [LinearProgram.Bounds] = []
        for i in 0..<m {
            let r = Array(a.scalars[(i * n)..<((i + 1) * n)])
            if set.contains(i) { rows.append(r + [0]); bounds.append(.atMost(-b[i])) }
            else { rows.append(r + [-1]); bounds.append(.atLeast(-b[i])) }
        }
        let lp = try LinearProgram(variables: Array(repeating: .free, count: n) + [.atMost(1)], rows: rows, rowBounds: bounds)
        var objective = [Double](repeating: 0, count: n + 1); objective[n] = 1
        switch try lp.solve(objective: objective, maximize: true) {
        case let .optimal(value, _): return value > 1e-9 * max(1, b.map(abs).max() ?? 0)
        case .infeasible: return false
        case .unbounded: throw Failure(description: "the admissibility program was reported unbounded (δ ≤ 1): numerical trouble")
        case let .failed(why): throw Failure(description: why)
        }
    }

    /// The construction of Fig. 3.3 in R^n with m rows: row 0 is e₁ (the row that ReLU
    /// removes); rows 1…m−1 are (ε·u_j, w_j) with u_j ~ N(0, 1) and w_j ∈ R^{n−1} random with
    /// first entry in [0.5, 1.5), so I = {0} is admissible with b = 0 (x = (−1, 1, 0, …)) and
    /// every kept row is only weakly correlated with the removed one: c ≤ ε·max|u_j|·√(m−1).
    public static func weaklyCorrelatedRows(rows m: Int, columns n: Int, epsilon: Double, rng: inout RandomGenerator) -> Tensor<Double> {
        precondition(m >= 2 && n >= 2)
        var a = [Double](repeating: 0, count: m * n)
        a[0] = 1
        for j in 1..<m {
            a[j * n] = epsilon * rng.normal()
            a[j * n + 1] = 0.5 + rng.uniform()
            for c in 2..<n { a[j * n + c] = rng.normal() }
        }
        return Tensor(shape: [m, n], scalars: a)
    }
}
