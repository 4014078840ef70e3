import NetRuntime

/// Rank, null space and minimum-norm solutions of a dense matrix through the SVD (LAPACK),
/// for the preimage analysis of Thm 3.3: O is an orthonormal basis of N(A|y>0) and the
/// particular solution lies in N(A|y>0)⊥.
///
/// Rank tolerance (NumPy's `matrix_rank` convention): a singular value counts as non-zero
/// when σ > max(m, n)·ε·σ_max, ε the Float64 machine epsilon.
public struct MatrixSubspaces {
    /// Rows, columns.
    public let rows: Int, columns: Int
    /// Singular values, descending (min(rows, columns) of them; empty for a 0-row matrix).
    public let singularValues: [Double]
    /// Number of singular values above the rank tolerance.
    public let rank: Int
    /// Orthonormal basis of the null space, one basis vector per row: [columns − rank, columns].
    public let nullSpace: [[Double]]
    private let u: Tensor<Double>?
    private let vt: Tensor<Double>?

    public static func rankTolerance(_ s: [Double], rows: Int, columns: Int) -> Double {
        Double(max(rows, columns)) * Double.ulpOfOne * (s.first ?? 0)
    }

    /// `a` is [rows, columns] (rows may be 0: then the null space is the whole space).
    public init(_ a: Tensor<Double>) throws {
        precondition(a.rank == 2)
        let rows = a.shape[0], columns = a.shape[1]
        self.rows = rows; self.columns = columns
        guard rows > 0 else {
            singularValues = []; rank = 0; u = nil; vt = nil
            nullSpace = (0..<columns).map { j in (0..<columns).map { $0 == j ? 1 : 0 } }
            return
        }
        // Pad to at least `columns` rows with zeros so that Vᵀ is the full n×n factor
        // (a thin SVD of a wide matrix would not contain the null-space directions).
        let padded = rows >= columns ? a : Tensor(shape: [columns, columns], scalars: a.scalars + [Double](repeating: 0, count: (columns - rows) * columns))
        let f = try svd(padded)
        let s = Array(f.s.prefix(min(rows, columns)))
        singularValues = s
        let tol = Self.rankTolerance(s, rows: rows, columns: columns)
        let rank = s.filter { $0 > tol }.count
        self.rank = rank
        u = f.u; vt = f.vt
        nullSpace = (rank..<columns).map { i in Array(f.vt.scalars[(i * columns)..<((i + 1) * columns)]) }
    }

    /// The minimum-norm least-squares solution x = A⁺·rhs over the numerical rank, and the
    /// residual ‖A·x − rhs‖₂ (0 for a consistent system up to rounding).
    public func minimumNormSolution(_ a: Tensor<Double>, _ rhs: [Double]) -> (x: [Double], residual: Double) {
        precondition(rhs.count == rows)
        guard let u, let vt, rank > 0 else { return ([Double](repeating: 0, count: columns), norm(rhs)) }
        let k = u.shape[1]
        var x = [Double](repeating: 0, count: columns)
        for i in 0..<rank {
            var c = 0.0
            for r in 0..<rows { c += u.scalars[r * k + i] * rhs[r] }
            c /= singularValues[i]
            for j in 0..<columns { x[j] += c * vt.scalars[i * columns + j] }
        }
        var residual = [Double](repeating: 0, count: rows)
        for r in 0..<rows {
            var v = -rhs[r]
            for j in 0..<columns { v += a.scalars[r * columns + j] * x[j] }
            residual[r] = v
        }
        return (x, norm(residual))
    }
}

/// The Euclidean norm, scaled by the largest magnitude first so that it neither overflows
/// (‖1e200·v‖ was inf) nor underflows (‖1e-200·v‖ was 0) where the norm itself is finite.
func norm(_ v: [Double]) -> Double {
    let largest = v.reduce(0) { max($0, abs($1)) }
    guard largest > 0, largest.isFinite else { return largest }
    return largest * v.reduce(0) { $0 + ($1 / largest) * ($1 / largest) }.squareRoot()
}

/// Rows i of A [m, n] (and entries i of the vectors with it) divided by the largest
/// magnitude in row i of A and those vectors: a positive row scaling, which changes neither
/// Def. 3.1's omnidirectionality nor a ReLU preimage (ReLU(s·z) = s·ReLU(z) for s > 0), but
/// brings entries of 1e200 or 1e-200 to unit size before any product can overflow or underflow.
func scaledRows(_ a: Tensor<Double>, with vectors: [[Double]] = []) -> (a: Tensor<Double>, vectors: [[Double]]) {
    let m = a.shape[0], n = a.shape[1]
    var scalars = a.scalars, scaled = vectors
    for i in 0..<m {
        var largest = 0.0
        for j in 0..<n { largest = max(largest, abs(scalars[i * n + j])) }
        for v in vectors { largest = max(largest, abs(v[i])) }
        guard largest > 0, largest.isFinite else { continue }
        for j in 0..<n { scalars[i * n + j] /= largest }
        for k in scaled.indices { scaled[k][i] /= largest }
    }
    return (Tensor(shape: a.shape, scalars: scalars), scaled)
}
