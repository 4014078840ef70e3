import CKernels
import Foundation
import Synchronization

/// Float32 products above the row split's range (`GemmThreading.maximumWork`, e.g. the gemm
/// workload's 1024³) run by NetLang's own AVX-512 kernel (large_sgemm_avx512.c) on the
/// compute pool, instead of on OpenBLAS's threads.
///
/// Why: OpenBLAS 0.3.21 (the system's) ran 1024³ at about 180 GFLOP/s on the two cores,
/// JAX at 211 against a peak of about 230 (2 × 115, measured with a register-only FMA loop);
/// its micro-kernel is fast, the gap is in the two-thread hand-off and packing. Here B is
/// packed once by both threads, and row blocks of 60 are handed out one at a time, so a
/// core slowed down by the host does less of the work.
///
/// The kernel does OpenBLAS's arithmetic in OpenBLAS's order (k blocks of 320 by its rule,
/// an FMA chain per block, blocks added in order), so every product equals the
/// `cblas_sgemm` call it replaces bit for bit, and trained numbers do not move. That is
/// only true for the OpenBLAS kernels it was checked against (SkylakeX and Cooperlake, which
/// `BLASKernelSelection` picks on AVX-512 CPUs), so it runs only with those.
public enum LargeSgemm {
    /// Whether large Float32 products use this kernel. Off with `NETL_LARGE_SGEMM=0` (A/B
    /// timings); tests switch it to compare both paths.
    nonisolated(unsafe) public static var enabled: Bool =
        selects(environment: ProcessInfo.processInfo.environment, avx512: WideKernels.avx512, blasCore: blasCoreName())

    /// The rule behind `enabled`'s start value.
    static func selects(environment: [String: String], avx512: Bool, blasCore: String) -> Bool {
        if environment["NETL_LARGE_SGEMM"] == "0" { return false }
        return avx512 && (blasCore == "Cooperlake" || blasCore == "SkylakeX")
    }

    /// Rows of C per hand-out at most (≤ NETL_SGEMM_MC; tests lower it). Between 36 and 96
    /// the gemm workload's time did not change beyond the machine's noise.
    nonisolated(unsafe) static var rowBlock = Int(NETL_SGEMM_MC)

    /// Products of at most this many multiply-adds OpenBLAS (SkylakeX, Cooperlake) computes
    /// with its small-matrix kernel, whose sums differ; callers that must keep OpenBLAS's
    /// bits leave those to it.
    static let openBLASSmallLimit = 1_000_000

    /// Floats of packed B held at most: larger products are done in column chunks.
    static let packedLimit = 1 << 22

    /// The packed B shared by the threads of one call; a second thread calling at the same
    /// time finds it taken and uses OpenBLAS (same bits).
    private static let packedInUse = Atomic<Bool>(false)
    nonisolated(unsafe) private static var packed: UnsafeMutableRawPointer?
    nonisolated(unsafe) private static var packedCapacity = 0
    /// The row blocks' starts of the current call (kept, so no allocation once grown).
    nonisolated(unsafe) private static var blockStarts: [Int] = []
    /// Products computed here since the start (tests check the routing with it).
    nonisolated(unsafe) static var productsRun = 0

    /// C = op(A)·op(B) + β·C (row-major) for β = 0 or 1. Returns false, with nothing
    /// computed, when the product is not one this kernel takes.
    static func run(transA: Bool, transB: Bool, m: Int, n: Int, k: Int,
                    a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
                    beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int) -> Bool {
        guard enabled, beta == 0 || beta == 1, m > 0, n > 0, k > 0,
              m * n * k > GemmThreading.maximumWork else { return false }
        guard packedInUse.compareExchange(expected: false, desired: true, ordering: .acquiring).exchanged else {
            return false
        }
        defer { packedInUse.store(false, ordering: .releasing) }
        let nr = Int(NETL_SGEMM_NR)
        // Columns per chunk: all of them unless packed B would pass `packedLimit`.
        let chunk = Swift.max(nr, Swift.min(n, packedLimit / k / nr * nr))
        let bp = packedBuffer(floats: netl_sgemm_packed_b_count(k, chunk))
        // The k rule of the OpenBLAS call this replaces: its threaded driver when it runs
        // more than one thread.
        let threaded: Int32 = blasThreadCount() > 1 ? 1 : 0
        rowBlockStarts(m: m, threads: computeThreads, into: &blockStarts)
        blockStarts.withUnsafeBufferPointer { starts in
            for j0 in stride(from: 0, to: n, by: chunk) {
                let width = Swift.min(chunk, n - j0), panels = (width + nr - 1) / nr
                let bChunk = transB ? b + j0 * ldb : b + j0, cChunk = c + j0
                // Runs of 4 panels (1 KB of each row of B) per hand-out.
                onComputeThreads((panels + 3) / 4) { r in
                    netl_sgemm_pack_b_f32_avx512(transB ? 1 : 0, k, width, bChunk, ldb, threaded, bp, 4 * r,
                                                 Swift.min(panels, 4 * r + 4))
                }
                onComputeThreads(starts.count - 1) { r in
                    let done = netl_sgemm_rows_f32_avx512(transA ? 1 : 0, starts[r], starts[r + 1] - starts[r], width,
                                                          k, a, lda, bp, beta == 1 ? 1 : 0, threaded, cChunk, ldc)
                    // Fails only without memory for the thread's A panels (300 KB).
                    precondition(done != 0, "LargeSgemm: no memory for the packing buffers")
                }
            }
        }
        productsRun += 1
        return true
    }

    /// Sets `starts` to where the row blocks of an m-row product start, then m: `rowBlock`
    /// rows at first, shrinking (in whole 6-row panels) towards the end so that the threads
    /// finish together: the blocks handed out last are short.
    static func rowBlockStarts(m: Int, threads: Int, into starts: inout [Int]) {
        let mr = Int(NETL_SGEMM_MR), parts = Swift.max(2, 2 * threads)
        starts.removeAll(keepingCapacity: true)
        var i = 0
        while i < m {
            starts.append(i)
            // Half of one thread's share of the rest, in whole panels, within [6, rowBlock].
            let rest = m - i, guided = (rest / parts + mr - 1) / mr * mr
            i += Swift.min(rest, Swift.max(mr, Swift.min(rowBlock, guided)))
        }
        starts.append(m)
    }

    /// Runs the parts on the idle pool, or one after another on this thread when the pool
    /// is busy (a product inside a parallel kernel).
    @inline(__always)
    private static func onComputeThreads(_ parts: Int, _ body: (Int) -> Void) {
        if computeThreads < 2 || !parallelForIfIdle(parts, body) {
            for p in 0..<parts { body(p) }
        }
    }

    /// The packed-B buffer with room for `floats`, 64-byte aligned; grown (never shrunk) as
    /// larger products come, so training steps allocate nothing after the first.
    private static func packedBuffer(floats: Int) -> UnsafeMutablePointer<Float> {
        if packedCapacity < floats || packed == nil {
            packed?.deallocate()
            packed = UnsafeMutableRawPointer.allocate(byteCount: floats * 4, alignment: 64)
            packedCapacity = floats
        }
        return packed!.assumingMemoryBound(to: Float.self)
    }
}
