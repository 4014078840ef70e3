import Dispatch

/// The machine's peaks, measured on this run (not taken from a data sheet): what the
/// roofline account (`Roofline`) divides a step's work by.
///
/// Every measurement repeats its kernel in batches of at least `minimumSeconds` and keeps
/// the fastest batch, so a moment when another process holds a core lowers it less.
public enum MachinePeaks {
    /// Seconds each timed batch lasts at least.
    nonisolated(unsafe) public static var minimumSeconds = 0.01
    /// Timed batches per measurement (the fastest is kept).
    nonisolated(unsafe) public static var batches = 3

    /// Seconds per call of `body`: the fastest of `batches` batches of calls.
    static func secondsPerCall(_ body: () -> Void) -> Double {
        func now() -> Double { Double(DispatchTime.now().uptimeNanoseconds) * 1e-9 }
        body()
        var calls = 1, best = Double.infinity
        for _ in 0..<batches {
            while true {
                let start = now()
                for _ in 0..<calls { body() }
                let elapsed = now() - start
                if elapsed >= minimumSeconds {
                    best = Swift.min(best, elapsed / Double(calls))
                    break
                }
                calls *= 2
            }
        }
        return best
    }

    /// OpenBLAS's best sgemm rate in GFLOP/s on one product of this shape: C = A·B or,
    /// the same work, Cᵀ = Bᵀ·Aᵀ (OpenBLAS is much faster on some orientations of a thin
    /// product, and an implementation may pick either), on OpenBLAS's current threads.
    public static func sgemmGFLOPS(_ shape: GemmShape) -> Double {
        let transposed = GemmShape(m: shape.n, n: shape.m, k: shape.k)
        return Swift.max(sgemmRate(shape), shape.m == shape.n ? 0 : sgemmRate(transposed))
    }

    /// The machine's sgemm peak: OpenBLAS on a 1024×1024·1024×1024 product.
    public static func peakSgemmGFLOPS() -> Double { sgemmRate(GemmShape(m: 1024, n: 1024, k: 1024)) }

    /// sgemm's rate on C = A·B (row-major, no transposes).
    static func sgemmRate(_ shape: GemmShape) -> Double {
        let (m, n, k) = (shape.m, shape.n, shape.k)
        let a = UnsafeMutablePointer<Float>.allocate(capacity: m * k)
        let b = UnsafeMutablePointer<Float>.allocate(capacity: k * n)
        let c = UnsafeMutablePointer<Float>.allocate(capacity: m * n)
        defer { a.deallocate(); b.deallocate(); c.deallocate() }
        for i in 0..<(m * k) { a[i] = Float(i % 7) * 0.1 - 0.3 }
        for i in 0..<(k * n) { b[i] = Float(i % 5) * 0.1 - 0.2 }
        c.initialize(repeating: 0, count: m * n)
        let seconds = secondsPerCall {
            Float.gemm(transA: false, transB: false, m: m, n: n, k: k, alpha: 1, a: a, lda: k, b: b, ldb: n, beta: 0, c: c, ldc: n)
        }
        return 2 * Double(m * n * k) / seconds / 1e9
    }

    /// Memory bandwidth in GB/s by the STREAM triad a = b + s·c on three arrays of
    /// `elements` floats each (default 48 MB in all, far beyond the caches), on the compute
    /// threads; 12 bytes per element (STREAM's count: the write-allocate read is not).
    public static func streamBandwidth(elements: Int = 4 << 20) -> Double {
        withTriadArrays(elements) { a, b, c in
            12 * Double(elements) / secondsPerCall { triad(a, b, c, count: elements) } / 1e9
        }
    }

    /// The elementwise rate in G elements/s: the same triad on arrays that stay in the L1
    /// cache (3 × 2,048 floats per thread), i.e. the fastest an elementwise pass can run.
    public static func elementwiseRate(elementsPerThread: Int = 2048) -> Double {
        let threads = computeThreads
        let repeats = 256   // passes per thread hand-off, so the hand-off does not dominate
        return withTriadArrays(elementsPerThread * threads) { a, b, c in
            let seconds = secondsPerCall {
                parallelFor(threads) { t in
                    let offset = t * elementsPerThread
                    for _ in 0..<repeats { triad(a + offset, b + offset, c + offset, count: elementsPerThread) }
                }
            }
            return Double(elementsPerThread * threads * repeats) / seconds / 1e9
        }
    }

    /// Three arrays of `count` floats (a = 0, b = 1, c = 2) for the triad, freed afterwards.
    private static func withTriadArrays(_ count: Int, _ body: (UnsafeMutablePointer<Float>, UnsafeMutablePointer<Float>, UnsafeMutablePointer<Float>) -> Double) -> Double {
        let arrays = (0..<3).map { i -> UnsafeMutablePointer<Float> in
            let p = UnsafeMutablePointer<Float>.allocate(capacity: count)
            p.initialize(repeating: Float(i), count: count)
            return p
        }
        defer { for p in arrays { p.deallocate() } }
        return body(arrays[0], arrays[1], arrays[2])
    }

    /// a = b + 3·c, split over the compute threads when long; 16 lanes at a time (the
    /// pointers could alias, so a plain loop would not vectorise).
    private static func triad(_ a: UnsafeMutablePointer<Float>, _ b: UnsafeMutablePointer<Float>, _ c: UnsafeMutablePointer<Float>, count: Int) {
        parallelChunks(count) { r in
            var i = r.lowerBound
            let (ra, rb, rc) = (UnsafeMutableRawPointer(a), UnsafeRawPointer(b), UnsafeRawPointer(c))
            while i + 16 <= r.upperBound {
                let offset = i * MemoryLayout<Float>.stride
                let x = rb.loadUnaligned(fromByteOffset: offset, as: SIMD16<Float>.self)
                let y = rc.loadUnaligned(fromByteOffset: offset, as: SIMD16<Float>.self)
                ra.storeBytes(of: x + 3 * y, toByteOffset: offset, as: SIMD16<Float>.self)
                i += 16
            }
            while i < r.upperBound { a[i] = b[i] + 3 * c[i]; i += 1 }
        }
    }
}
