import NetRuntime

/// The omnidirectionality test of Def. 3.1: A ∈ R^{m×n} is omnidirectional when every open
/// half-space {x : ⟨x, v⟩ > 0}, v ≠ 0, contains a row of A, i.e. there is no x ≠ 0 with
/// Ax ≤ 0.
///
/// Method (Stiemke's alternative): exactly one of "∃x: Ax ≤ 0, Ax ≠ 0" and "∃y > 0:
/// Aᵀy = 0" holds. "No x ≠ 0 with Ax ≤ 0" also excludes Ax = 0, so
///
///     A omnidirectional  ⇔  rank A = n  and  ∃y > 0 (strictly) with Aᵀy = 0.
///
/// The second condition is the linear program (GLPK)
///
///     maximise t  subject to  Aᵀy = 0,  Σᵢ yᵢ = 1,  yᵢ ≥ t,  y ≥ 0,  t ≤ 1
///
/// over rows of A scaled to unit length (positive row scaling does not change the
/// answer). Its optimum t* (the *margin*, at most 1/m) is positive exactly when a strictly
/// positive y exists. Decisions: t* > `marginTolerance` → yes; t* < `marginTolerance`/100
/// (or the program is infeasible) → no; in between the result is `undecided`, because
/// GLPK's own feasibility tolerance (10⁻⁷) is of that order.
public struct Omnidirectionality: Sendable {
    public enum Verdict: String, Sendable { case yes, no, undecided }

    /// Margins above this are a clear yes.
    public static let marginTolerance = 1e-6

    public let verdict: Verdict
    /// Numerical rank of A (`MatrixSubspaces` tolerance).
    public let rank: Int
    public let columns: Int
    /// The optimum t* of the Stiemke program (0 when it is infeasible).
    public let margin: Double
    /// Why the answer is `undecided` (a failed program or a margin at the tolerance).
    public let note: String?

    public var isOmnidirectional: Bool { verdict == .yes }

    /// Tests A [m, n].
    public static func test(_ a: Tensor<Double>) throws -> Omnidirectionality {
        precondition(a.rank == 2)
        let m = a.shape[0], n = a.shape[1]
        guard m > 0 else { return Omnidirectionality(verdict: .no, rank: 0, columns: n, margin: 0, note: nil) }
        // Rows to unit length first (the answer is invariant to positive row scaling): the
        // rank and the program then see the same matrix for A·1e200 and A·1e-200 as for A.
        let scaled = scaledRows(a).a.scalars
        var rows = (0..<m).map { Array(scaled[($0 * n)..<(($0 + 1) * n)]) }
        for i in 0..<m {
            let l = norm(rows[i])
            if l > 0 { rows[i] = rows[i].map { $0 / l } }
        }
        let rank = try MatrixSubspaces(Tensor(shape: [m, n], scalars: rows.flatMap { $0 })).rank
        // Variables y₁…y_m, t. Rows: n of Aᵀy = 0, one Σy = 1, m of yᵢ − t ≥ 0 — stored
        // sparsely, so memory is linear in m (dense rows took (m+n+1)·(m+1) numbers).
        var g: [[(column: Int, value: Double)]] = []
        var bounds: [LinearProgram.Bounds] = []
        for j in 0..<n {
            g.append((0..<m).compactMap { rows[$0][j] == 0 ? nil : ($0, rows[$0][j]) }); bounds.append(.equal(0))
        }
        g.append((0..<m).map { ($0, 1.0) }); bounds.append(.equal(1))
        for i in 0..<m {
            g.append([(i, 1), (m, -1)]); bounds.append(.atLeast(0))
        }
        let lp = try LinearProgram(variables: Array(repeating: .atLeast(0), count: m) + [.atMost(1)], sparseRows: g, rowBounds: bounds)
        var objective = [Double](repeating: 0, count: m + 1); objective[m] = 1
        let margin: Double
        switch try lp.solve(objective: objective, maximize: true) {
        case let .optimal(value, _): margin = value
        case .infeasible: margin = 0
        case .unbounded:
            return Omnidirectionality(verdict: .undecided, rank: rank, columns: n, margin: .nan, note: "the Stiemke program was reported unbounded, which is impossible (t ≤ 1): numerical trouble")
        case let .failed(why):
            return Omnidirectionality(verdict: .undecided, rank: rank, columns: n, margin: .nan, note: why)
        }
        if rank < n { return Omnidirectionality(verdict: .no, rank: rank, columns: n, margin: margin, note: nil) }
        if margin > marginTolerance { return Omnidirectionality(verdict: .yes, rank: rank, columns: n, margin: margin, note: nil) }
        if margin < marginTolerance / 100 { return Omnidirectionality(verdict: .no, rank: rank, columns: n, margin: margin, note: nil) }
        return Omnidirectionality(verdict: .undecided, rank: rank, columns: n, margin: margin,
                                  note: "the Stiemke margin \(margin) is within a factor 100 of the tolerance \(marginTolerance)")
    }

    /// Def. 3.1 ii: (A, b) is omnidirectional for the point p when A is omnidirectional and
    /// b = −Ap. Returns the test of A and p = −A⁺b when Ap + b = 0 holds to a relative
    /// residual of 10⁻⁹ (nil otherwise: the hyperplanes do not meet in one point).
    public static func test(_ a: Tensor<Double>, bias b: [Double]) throws -> (test: Omnidirectionality, point: [Double]?) {
        let t = try test(a)
        guard a.shape[0] > 0 else { return (t, nil) }
        let sub = try MatrixSubspaces(a)
        let (p, residual) = sub.minimumNormSolution(a, b.map { -$0 })
        let scale = max(norm(b), (sub.singularValues.first ?? 0) * norm(p), Double.leastNormalMagnitude)
        let meets = residual <= 1e-9 * scale && sub.rank == a.shape[1]
        return (t, meets ? p : nil)
    }
}
