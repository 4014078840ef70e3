import Dispatch

/// Splits 0..<count into one contiguous chunk per compute thread when the work is large
/// enough to pay for the hand-off (a few microseconds); runs inline otherwise.
///
/// Elementwise kernels on large tensors use this, as PyTorch does with its intra-op pool;
/// BLAS calls use OpenBLAS's own threads.
@inline(__always)
func parallelChunks(_ count: Int, minimumPerThread: Int = ElementwiseThreading.minimumPerThread, _ body: (Range<Int>) -> Void) {
    let threads = computeThreads
    if threads < 2 || count < 2 * minimumPerThread {
        body(0..<count)
        return
    }
    let chunks = Swift.min(threads, count / minimumPerThread)
    let size = (count + chunks - 1) / chunks
    // The chunks write disjoint ranges, so sharing the body between threads is safe.
    parallelFor(chunks) { c in
        let start = c * size
        body(start..<Swift.min(start + size, count))
    }
}

/// When elementwise kernels split their work between the threads.
public enum ElementwiseThreading {
    /// Elements per thread below which an elementwise pass runs on one thread.
    nonisolated(unsafe) public static var minimumPerThread = 32_768
}

/// Threads for elementwise kernels: the machine's cores (2 here).
nonisolated(unsafe) var computeThreads: Int = {
    let n = sysconf(Int32(_SC_NPROCESSORS_ONLN))
    return n > 0 ? Int(n) : 1
}()

/// Sets the threads used by elementwise kernels and by OpenBLAS.
public func setComputeThreads(_ n: Int) {
    computeThreads = Swift.max(1, n)
    setBLASThreads(Swift.max(1, n))
}

#if canImport(Glibc)
import Glibc
#endif
