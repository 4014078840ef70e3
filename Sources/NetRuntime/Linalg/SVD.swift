import CBLAS

// Singular value decomposition, through LAPACKE in Float64.
//
// The thesis reads networks through their singular values: per-layer spectra and
// condition numbers (ch. 3, Table 3.1), the exact spectral norm that spectral
// normalisation only estimates by power iteration (ch. 4), so these are computed in
// double precision with LAPACK's divide-and-conquer SVD (dgesdd), falling back to the
// slower but more robust QR-iteration SVD (dgesvd) when dgesdd does not converge.

/// The singular values of a matrix, in descending order (min(m, n) of them).
///
/// Throws `LinalgError` for a non-matrix, an empty matrix, NaN/∞ entries, or when LAPACK
/// does not converge.
public func singularValues(_ a: Tensor<Double>) throws -> [Double] {
    try singularValues(a, operation: "singularValues")
}

/// `singularValues`, naming the public entry point in errors.
private func singularValues(_ a: Tensor<Double>, operation: String) throws -> [Double] {
    let (m, n) = try MatrixChecks.matrix(a, operation)
    var work = a.scalars
    var s = [Double](repeating: 0, count: min(m, n))
    // Values only: U and Vᵀ are not referenced, but row-major LAPACKE still validates
    // ldu/ldvt against the full shapes, so give it honestly sized (unused) buffers.
    let k = min(m, n)
    var noU = [Double](repeating: 0, count: m * k), noVt = [Double](repeating: 0, count: k * n)
    try runSVD(job: "N", m: m, n: n, a: &work, s: &s, u: &noU, ldu: k, vt: &noVt, ldvt: n)
    return s
}

/// The thin singular value decomposition A = U·diag(s)·Vᵀ of an m×n matrix, k = min(m, n):
/// `u` is m×k with orthonormal columns, `s` holds k singular values in descending order,
/// `vt` is k×n with orthonormal rows.
///
/// Throws `LinalgError` for a non-matrix, an empty matrix, NaN/∞ entries, or when LAPACK
/// does not converge.
public func svd(_ a: Tensor<Double>) throws -> (u: Tensor<Double>, s: [Double], vt: Tensor<Double>) {
    let (m, n) = try MatrixChecks.matrix(a, "svd")
    let k = min(m, n)
    var work = a.scalars
    var s = [Double](repeating: 0, count: k)
    var u = [Double](repeating: 0, count: m * k)
    var vt = [Double](repeating: 0, count: k * n)
    try runSVD(job: "S", m: m, n: n, a: &work, s: &s, u: &u, ldu: k, vt: &vt, ldvt: n)
    return (Tensor(shape: [m, k], scalars: u), s, Tensor(shape: [k, n], scalars: vt))
}

/// The spectral norm ‖A‖₂ = σ_max(A): the Lipschitz constant of x ↦ Ax, which
/// spectral normalisation (thesis eq. 4.5) keeps below the coefficient c.
public func spectralNorm(_ a: Tensor<Double>) throws -> Double {
    try singularValues(a, operation: "spectralNorm")[0]
}

/// The 2-norm condition number κ(A) = σ_max / σ_min over the min(m, n) singular values
/// (for a rectangular matrix, the condition number of A as a map onto its range).
/// Returns `.infinity` when σ_min = 0 (rank-deficient A); this is an answer, not an error.
public func conditionNumber(_ a: Tensor<Double>) throws -> Double {
    let s = try singularValues(a, operation: "conditionNumber")
    let smax = s[0], smin = s[s.count - 1]
    if smin == 0 { return .infinity }
    return smax / smin
}

/// `singularValues` for Float32 data: converted to Float64 first (the results are Float64).
public func singularValues(_ a: Tensor<Float>) throws -> [Double] {
    try singularValues(a.converted(to: Double.self))
}

/// `svd` for Float32 data: converted to Float64 first (the factors are Float64).
public func svd(_ a: Tensor<Float>) throws -> (u: Tensor<Double>, s: [Double], vt: Tensor<Double>) {
    try svd(a.converted(to: Double.self))
}

/// `spectralNorm` for Float32 data, computed in Float64.
public func spectralNorm(_ a: Tensor<Float>) throws -> Double {
    try spectralNorm(a.converted(to: Double.self))
}

/// `conditionNumber` for Float32 data, computed in Float64.
public func conditionNumber(_ a: Tensor<Float>) throws -> Double {
    try conditionNumber(a.converted(to: Double.self))
}

/// Runs dgesdd on a row-major copy of A; if it fails to converge, retries with dgesvd on
/// a fresh copy (dgesdd overwrites A). `job` is "N" (values only) or "S" (thin factors).
private func runSVD(job: Unicode.Scalar, m: Int, n: Int, a: inout [Double], s: inout [Double],
                    u: inout [Double], ldu: Int, vt: inout [Double], ldvt: Int) throws {
    BLASKernelSelection.ensure()
    let original = a
    let info = LAPACKE_dgesdd(LAPACK_ROW_MAJOR, lapackChar(job), Int32(m), Int32(n), &a, Int32(n),
                              &s, &u, Int32(ldu), &vt, Int32(ldvt))
    if info == 0 { return }
    if info < 0 { throw LinalgError.lapackFailure(routine: "dgesdd", info: Int(info)) }
    // info > 0: divide-and-conquer did not converge; QR iteration sometimes does.
    a = original
    var superb = [Double](repeating: 0, count: max(1, min(m, n) - 1))
    let info2 = LAPACKE_dgesvd(LAPACK_ROW_MAJOR, lapackChar(job), lapackChar(job), Int32(m), Int32(n),
                               &a, Int32(n), &s, &u, Int32(ldu), &vt, Int32(ldvt), &superb)
    if info2 == 0 { return }
    if info2 < 0 { throw LinalgError.lapackFailure(routine: "dgesvd", info: Int(info2)) }
    throw LinalgError.notConverged(routine: "dgesvd", info: Int(info2))
}
