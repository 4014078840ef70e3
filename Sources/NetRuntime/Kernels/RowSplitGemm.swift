
/// Medium-sized GEMMs split by rows (or columns) of C between the compute threads, each
/// part a single-threaded BLAS call, instead of one call on OpenBLAS's own threads.
///
/// Why: the training steps of small networks run hundreds of GEMMs of a few MFLOP between
/// elementwise passes (iresnet_toy: 180 products of 500×128×128 per step). For these,
/// OpenBLAS's two-thread hand-off is a large part of the call, and its spinning worker
/// competes for the second core with the compute pool that runs the elementwise kernels.
/// Splitting on the pool keeps one set of threads busy. Large products (1024³) are not
/// split (measured: split 1024³ was 1.5× slower; each part packs all of B): Float32 ones go
/// to `LargeSgemm`, which blocks them for both threads, the rest to OpenBLAS's threads, as
/// do products too small to pay for any hand-off.
///
/// OpenBLAS serialises calls made from several threads at once unless it runs on one
/// thread, so the split sets it to one thread for the duration of the call and restores
/// it after. That is only safe when no other BLAS call is in flight: the split runs only
/// when the compute pool is idle (`parallelForIfIdle`), i.e. not from inside another
/// parallel kernel or a second thread's parallel work.
public enum GemmThreading {
    /// Whether medium products are split (`NETL_GEMM_SPLIT=0` in `netl bench` turns it off
    /// for A/B timings).
    nonisolated(unsafe) public static var split = true
    /// Products with fewer multiply-adds run as one call (hand-off costs more than it gains).
    nonisolated(unsafe) public static var minimumWork = 1 << 18
    /// Products with more multiply-adds run as one call on both threads: `LargeSgemm` for
    /// Float32 where it runs, OpenBLAS's threads otherwise. 2²⁶ takes in
    /// the mlp workload's products (128×784×512 = 2^25.6; split, its step went from 2.6–3.0
    /// to 2.3–2.4 ms in interleaved A/B runs), not 1024³ (2³⁰, 1.5× slower split).
    nonisolated(unsafe) public static var maximumWork = 1 << 26
}

/// C = op(A)·op(B) + β·C (row-major), split between the compute threads when the product's
/// size is in `GemmThreading`'s range: by rows of C, or by columns when C is wider than tall.
@inline(__always)
func splitGemm<T: NetScalar>(transA: Bool, transB: Bool, m: Int, n: Int, k: Int,
                             a: UnsafePointer<T>, lda: Int, b: UnsafePointer<T>, ldb: Int,
                             beta: T, c: UnsafeMutablePointer<T>, ldc: Int) {
    let threads = computeThreads, work = m * n * k
    guard GemmThreading.split, threads > 1, Swift.max(m, n) >= 32,
          work >= GemmThreading.minimumWork, work <= GemmThreading.maximumWork,
          splitGemmParts(threads: threads, transA: transA, transB: transB, m: m, n: n, k: k,
                         a: a, lda: lda, b: b, ldb: ldb, beta: beta, c: c, ldc: ldc) else {
        // Large Float32 products: NetLang's own kernel, same bits as OpenBLAS (LargeSgemm).
        if T.self == Float.self, work > GemmThreading.maximumWork,
           LargeSgemm.run(transA: transA, transB: transB, m: m, n: n, k: k,
                          a: UnsafeRawPointer(a).assumingMemoryBound(to: Float.self), lda: lda,
                          b: UnsafeRawPointer(b).assumingMemoryBound(to: Float.self), ldb: ldb,
                          beta: unsafeBitCast(beta, to: Float.self), c: UnsafeMutableRawPointer(c).assumingMemoryBound(to: Float.self),
                          ldc: ldc) {
            return
        }
        T.gemm(transA: transA, transB: transB, m: m, n: n, k: k, alpha: 1, a: a, lda: lda, b: b, ldb: ldb, beta: beta, c: c, ldc: ldc)
        return
    }
}

/// The parts of `splitGemm` on the idle pool; false (nothing computed) when the pool is
/// busy or OpenBLAS is set to one thread.
@inline(__always)
private func splitGemmParts<T: NetScalar>(threads: Int, transA: Bool, transB: Bool, m: Int, n: Int, k: Int,
                                          a: UnsafePointer<T>, lda: Int, b: UnsafePointer<T>, ldb: Int,
                                          beta: T, c: UnsafeMutablePointer<T>, ldc: Int) -> Bool {
    let byRows = m >= n
    let extent = byRows ? m : n
    // Parts of a multiple of 16 rows or columns, so each keeps OpenBLAS's blocking whole.
    let per = ((extent + threads - 1) / threads + 15) / 16 * 16
    let parts = (extent + per - 1) / per
    // OpenBLAS set to one thread (`netl bench --threads 1`, OPENBLAS_NUM_THREADS=1) means
    // one thread for products too: no split.
    guard blasThreadCount() > 1 else { return false }
    return withSingleThreadedBLAS {
        parallelForIfIdle(parts) { p in
            let start = p * per, size = Swift.min(per, extent - start)
            if byRows {
                // Row i of op(A) starts at a + i (A stored transposed, [k, m]) or a + i·lda.
                T.gemm(transA: transA, transB: transB, m: size, n: n, k: k, alpha: 1,
                       a: transA ? a + start : a + start * lda, lda: lda, b: b, ldb: ldb,
                       beta: beta, c: c + start * ldc, ldc: ldc)
            } else {
                // Column j of op(B) starts at b + j·ldb (B stored transposed, [n, k]) or b + j.
                T.gemm(transA: transA, transB: transB, m: m, n: size, k: k, alpha: 1,
                       a: a, lda: lda, b: transB ? b + start * ldb : b + start, ldb: ldb,
                       beta: beta, c: c + start, ldc: ldc)
            }
        }
    }
}
