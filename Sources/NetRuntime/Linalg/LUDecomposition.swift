import CBLAS

// LU factorisation with partial pivoting (LAPACK dgetrf) and what it gives cheaply:
// log-determinants, linear solves and inverses, all in Float64.
//
// Exact log|det J| is the reference the thesis's power-series / Hutchinson estimators
// (ch. 5) are checked against for small d, so the determinant is returned as
// (sign, log|det|): the determinant itself under- or overflows for modest sizes.

/// P·A = L·U for a square matrix, as LAPACK stores it: unit lower-triangular L below
/// the diagonal of `packed`, U on and above it, and the row interchanges in `pivots`.
public struct LUDecomposition: Sendable {
    /// The matrix size n.
    public let size: Int
    /// L (strictly below the diagonal, unit diagonal implied) and U (on and above it),
    /// row-major n×n.
    public let packed: Tensor<Double>
    /// Row interchanges, 0-based: during elimination step i, row i was swapped with
    /// row `pivots[i]` (≥ i).
    public let pivots: [Int]
    /// The 1-norm of the original matrix, kept for condition estimates.
    public let oneNorm: Double

    /// True when some diagonal entry of U is exactly zero (A is exactly singular).
    public var hasZeroPivot: Bool { (0..<size).contains { packed.scalars[$0 * size + $0] == 0 } }

    /// The unit lower-triangular factor L.
    public var lower: Tensor<Double> {
        var l = Tensor<Double>.zeros([size, size])
        for i in 0..<size {
            for j in 0..<i { l.scalars[i * size + j] = packed.scalars[i * size + j] }
            l.scalars[i * size + i] = 1
        }
        return l
    }

    /// The upper-triangular factor U.
    public var upper: Tensor<Double> {
        var u = Tensor<Double>.zeros([size, size])
        for i in 0..<size { for j in i..<size { u.scalars[i * size + j] = packed.scalars[i * size + j] } }
        return u
    }

    /// The permutation as a row order: row i of P·A is row `rowOrder[i]` of A.
    public var rowOrder: [Int] {
        var order = Array(0..<size)
        for (i, p) in pivots.enumerated() where p != i { order.swapAt(i, p) }
        return order
    }

    /// sign(det A) and log|det A| from the factors: det A = (−1)^(number of interchanges)
    /// · ∏ Uᵢᵢ. An exactly singular matrix gives (0, −∞), like NumPy.
    public var slogdet: (sign: Double, logAbsDet: Double) {
        var sign: Double = 1
        var logAbs: Double = 0
        for i in 0..<size {
            if pivots[i] != i { sign = -sign }
            let d = packed.scalars[i * size + i]
            if d == 0 { return (0, -.infinity) }
            if d < 0 { sign = -sign }
            logAbs += Double.log(Swift.abs(d))
        }
        return (sign, logAbs)
    }

    /// LAPACK's estimate of the reciprocal 1-norm condition number 1/κ₁(A) (dgecon);
    /// 0 for an exactly singular matrix.
    public func reciprocalCondition() throws -> Double {
        if hasZeroPivot { return 0 }
        var rcond: Double = 0
        let info = packed.scalars.withUnsafeBufferPointer {
            LAPACKE_dgecon(LAPACK_ROW_MAJOR, lapackChar("1"), Int32(size), $0.baseAddress, Int32(size), oneNorm, &rcond)
        }
        if info != 0 { throw LinalgError.lapackFailure(routine: "dgecon", info: Int(info)) }
        return rcond
    }

    /// Throws `singularMatrix` unless A is safely invertible: no zero pivot and
    /// 1/κ₁(A) above n·ε (below that a solve has no correct digits left).
    func requireInvertible(_ operation: String) throws {
        let rcond = try reciprocalCondition()
        if !(rcond > Double(size) * Double.ulpOfOne) {
            throw LinalgError.singularMatrix(operation: operation, reciprocalCondition: rcond)
        }
    }

    /// Solves A·X = B for B given as n×nrhs row-major scalars (dgetrs); throws for a
    /// (numerically) singular A.
    func solveInPlace(_ b: inout [Double], rhs: Int, operation: String) throws {
        try requireInvertible(operation)
        let ipiv = pivots.map { Int32($0 + 1) }
        let info = packed.scalars.withUnsafeBufferPointer { lu in
            LAPACKE_dgetrs(LAPACK_ROW_MAJOR, lapackChar("N"), Int32(size), Int32(rhs),
                           lu.baseAddress, Int32(size), ipiv, &b, Int32(rhs))
        }
        if info != 0 { throw LinalgError.lapackFailure(routine: "dgetrs", info: Int(info)) }
    }
}

/// The LU factorisation P·A = L·U of a square matrix (LAPACK dgetrf, partial pivoting).
///
/// An exactly singular matrix still factorizes (`hasZeroPivot` is then true); only
/// `solve` and `inverse` refuse it. Throws `LinalgError` for a non-square, empty or
/// non-finite input.
public func luDecomposition(_ a: Tensor<Double>) throws -> LUDecomposition {
    let n = try MatrixChecks.square(a, "luDecomposition")
    return try factorize(a, n, "luDecomposition")
}

/// sign(det A) and log|det A| of a square matrix, via LU. An exactly singular matrix
/// gives (sign: 0, logAbsDet: −∞), as in NumPy; that is an answer, not an error.
public func slogdet(_ a: Tensor<Double>) throws -> (sign: Double, logAbsDet: Double) {
    let n = try MatrixChecks.square(a, "slogdet")
    return try factorize(a, n, "slogdet").slogdet
}

/// The solution x of A·x = b for square A: `b` is a vector [n] (the result is [n]) or
/// a matrix [n, k] of k right-hand sides (the result is [n, k]).
///
/// Throws `LinalgError.singularMatrix` when A is singular or so ill-conditioned
/// (1/κ₁ ≤ n·ε) that the answer would be noise; `shapeMismatch` when b does not fit.
public func solve(_ a: Tensor<Double>, _ b: Tensor<Double>) throws -> Tensor<Double> {
    let n = try MatrixChecks.square(a, "solve")
    guard (b.rank == 1 || b.rank == 2), b.shape[0] == n else {
        throw LinalgError.shapeMismatch(operation: "solve", lhs: a.shape, rhs: b.shape)
    }
    let rhs = b.rank == 1 ? 1 : b.shape[1]
    guard rhs > 0 else { throw LinalgError.emptyMatrix(operation: "solve", shape: b.shape) }
    guard b.scalars.allSatisfy({ $0.isFinite }) else { throw LinalgError.nonFiniteInput(operation: "solve") }
    let lu = try factorize(a, n, "solve")
    var x = b.scalars
    try lu.solveInPlace(&x, rhs: rhs, operation: "solve")
    return Tensor(shape: b.shape, scalars: x)
}

/// The inverse of a square matrix (LAPACK dgetri after dgetrf). Prefer `solve` when the
/// inverse is only multiplied with something. Throws `LinalgError.singularMatrix` for a
/// singular or numerically singular matrix.
public func inverse(_ a: Tensor<Double>) throws -> Tensor<Double> {
    let n = try MatrixChecks.square(a, "inverse")
    let lu = try factorize(a, n, "inverse")
    try lu.requireInvertible("inverse")
    var inv = lu.packed.scalars
    let ipiv = lu.pivots.map { Int32($0 + 1) }
    let info = LAPACKE_dgetri(LAPACK_ROW_MAJOR, Int32(n), &inv, Int32(n), ipiv)
    if info > 0 { throw LinalgError.singularMatrix(operation: "inverse", reciprocalCondition: 0) }
    if info < 0 { throw LinalgError.lapackFailure(routine: "dgetri", info: Int(info)) }
    return Tensor(shape: [n, n], scalars: inv)
}

/// `luDecomposition` for Float32 data, computed in Float64.
public func luDecomposition(_ a: Tensor<Float>) throws -> LUDecomposition {
    try luDecomposition(a.converted(to: Double.self))
}

/// `slogdet` for Float32 data, computed in Float64.
public func slogdet(_ a: Tensor<Float>) throws -> (sign: Double, logAbsDet: Double) {
    try slogdet(a.converted(to: Double.self))
}

/// `solve` for Float32 data, computed (and returned) in Float64.
public func solve(_ a: Tensor<Float>, _ b: Tensor<Float>) throws -> Tensor<Double> {
    try solve(a.converted(to: Double.self), b.converted(to: Double.self))
}

/// `inverse` for Float32 data, computed (and returned) in Float64.
public func inverse(_ a: Tensor<Float>) throws -> Tensor<Double> {
    try inverse(a.converted(to: Double.self))
}

/// dgetrf on a copy of the (already validated) n×n matrix.
private func factorize(_ a: Tensor<Double>, _ n: Int, _ operation: String) throws -> LUDecomposition {
    BLASKernelSelection.ensure()
    var lu = a.scalars
    var ipiv = [Int32](repeating: 0, count: n)
    let anorm = LAPACKE_dlange(LAPACK_ROW_MAJOR, lapackChar("1"), Int32(n), Int32(n), a.scalars, Int32(n))
    let info = LAPACKE_dgetrf(LAPACK_ROW_MAJOR, Int32(n), Int32(n), &lu, Int32(n), &ipiv)
    // info > 0 means U[info-1, info-1] is exactly zero: the factorisation is still complete.
    if info < 0 { throw LinalgError.lapackFailure(routine: "dgetrf(\(operation))", info: Int(info)) }
    return LUDecomposition(size: n, packed: Tensor(shape: [n, n], scalars: lu),
                           pivots: ipiv.map { Int($0) - 1 }, oneNorm: anorm)
}
