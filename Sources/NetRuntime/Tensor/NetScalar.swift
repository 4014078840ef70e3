#if canImport(Glibc)
import Glibc
#endif
import CBLAS

/// The element types the runtime computes in: `Float` for training, `Double` for checks.
///
/// Every kernel is generic over `NetScalar`; the protocol forwards the few operations
/// whose fast implementation differs by precision (BLAS, libm) to the right C function.
/// (`SIMDScalar`: the direct convolution kernels compute in `SIMD8<T>`.)
public protocol NetScalar: BinaryFloatingPoint, SIMDScalar, Codable, Sendable, CustomStringConvertible
where Self.RawSignificand: FixedWidthInteger {
    /// The name used in diagnostics and checkpoints ("float32" / "float64").
    static var dtypeName: String { get }

    /// C ← α·op(A)·op(B) + β·C for row-major matrices (CBLAS sgemm / dgemm).
    static func gemm(
        transA: Bool, transB: Bool, m: Int, n: Int, k: Int,
        alpha: Self, a: UnsafePointer<Self>, lda: Int,
        b: UnsafePointer<Self>, ldb: Int,
        beta: Self, c: UnsafeMutablePointer<Self>, ldc: Int)

    static func exp(_ x: Self) -> Self
    static func expm1(_ x: Self) -> Self
    static func log(_ x: Self) -> Self
    static func log1p(_ x: Self) -> Self
    static func tanh(_ x: Self) -> Self
    static func pow(_ x: Self, _ y: Self) -> Self
    static func cos(_ x: Self) -> Self
    static func sin(_ x: Self) -> Self
    /// eˣ in straight-line arithmetic that loops vectorise (no libm call). Float32: a
    /// Cephes-style range reduction and degree-6 polynomial, within 2 ulp of libm's expf
    /// for x in [−87.3, 88.3] (results are clamped outside). Float64: libm's exp, since
    /// Float64 serves accuracy checks rather than speed.
    static func fastExp(_ x: Self) -> Self
}

extension Float: NetScalar {
    public static var dtypeName: String { "float32" }
    @inline(__always)
    public static func gemm(
        transA: Bool, transB: Bool, m: Int, n: Int, k: Int,
        alpha: Float, a: UnsafePointer<Float>, lda: Int,
        b: UnsafePointer<Float>, ldb: Int,
        beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        BLASKernelSelection.ensure()
        cblas_sgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
                    Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }
    @inline(__always) public static func exp(_ x: Float) -> Float { expf(x) }
    @inline(__always) public static func expm1(_ x: Float) -> Float { expm1f(x) }
    @inline(__always) public static func log(_ x: Float) -> Float { logf(x) }
    @inline(__always) public static func log1p(_ x: Float) -> Float { log1pf(x) }
    @inline(__always) public static func tanh(_ x: Float) -> Float { tanhf(x) }
    @inline(__always) public static func pow(_ x: Float, _ y: Float) -> Float { powf(x, y) }
    @inline(__always) public static func cos(_ x: Float) -> Float { cosf(x) }
    @inline(__always) public static func sin(_ x: Float) -> Float { sinf(x) }
    @inline(__always) public static func fastExp(_ x: Float) -> Float {
        let clamped = Swift.min(Swift.max(x, -87.33654), 88.37626)
        // Adding 1.5·2²³ rounds to an integer (no libm rintf call, which would stop the
        // loop from vectorising); the integer also sits in the low mantissa bits.
        let shifted = clamped * 1.442695041 + 12_582_912
        let n = shifted - 12_582_912
        // r = x − n·ln 2, with ln 2 split in two parts for accuracy (Cephes C1, C2).
        let r = clamped - n * 0.693359375 + n * 2.12194440e-4
        var p: Float = 1.9875691500e-4
        p = p * r + 1.3981999507e-3
        p = p * r + 8.3334519073e-3
        p = p * r + 4.1665795894e-2
        p = p * r + 1.6666665459e-1
        p = p * r + 5.0000001201e-1
        let e = p * (r * r) + r + 1
        let k = shifted.bitPattern &- 0x4B40_0000
        let scale = Float(bitPattern: (k &+ 127) << 23)
        let result = e * scale
        return x.isNaN ? x : result
    }
}

extension Double: NetScalar {
    public static var dtypeName: String { "float64" }
    @inline(__always)
    public static func gemm(
        transA: Bool, transB: Bool, m: Int, n: Int, k: Int,
        alpha: Double, a: UnsafePointer<Double>, lda: Int,
        b: UnsafePointer<Double>, ldb: Int,
        beta: Double, c: UnsafeMutablePointer<Double>, ldc: Int
    ) {
        BLASKernelSelection.ensure()
        cblas_dgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
                    Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }
    @inline(__always) public static func exp(_ x: Double) -> Double { Glibc.exp(x) }
    @inline(__always) public static func expm1(_ x: Double) -> Double { Glibc.expm1(x) }
    @inline(__always) public static func log(_ x: Double) -> Double { Glibc.log(x) }
    @inline(__always) public static func log1p(_ x: Double) -> Double { Glibc.log1p(x) }
    @inline(__always) public static func tanh(_ x: Double) -> Double { Glibc.tanh(x) }
    @inline(__always) public static func pow(_ x: Double, _ y: Double) -> Double { Glibc.pow(x, y) }
    @inline(__always) public static func cos(_ x: Double) -> Double { Glibc.cos(x) }
    @inline(__always) public static func sin(_ x: Double) -> Double { Glibc.sin(x) }
    @inline(__always) public static func fastExp(_ x: Double) -> Double { Glibc.exp(x) }
}

/// Sets the number of OpenBLAS compute threads (the benchmarks use 2).
public func setBLASThreads(_ n: Int) {
    BLASKernelSelection.ensure()
    openblas_set_num_threads(Int32(n))
}

/// OpenBLAS's current number of threads.
public func blasThreadCount() -> Int {
    BLASKernelSelection.ensure()
    return Int(openblas_get_num_threads())
}

/// Runs `body` with OpenBLAS set to one thread, then restores its count: for kernels that
/// call BLAS from several of their own threads at once (OpenBLAS serialises concurrent
/// calls while it runs threads of its own).
public func withSingleThreadedBLAS<R>(_ body: () throws -> R) rethrows -> R {
    let threads = blasThreadCount()
    if threads == 1 { return try body() }
    openblas_set_num_threads(1)
    defer { openblas_set_num_threads(Int32(threads)) }
    return try body()
}

/// The OpenBLAS kernel in use (e.g. "Cooperlake"), for benchmark reports.
public func blasCoreName() -> String {
    BLASKernelSelection.ensure()
    return String(cString: openblas_get_corename())
}
