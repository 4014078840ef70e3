import XCTest
import CBLAS
import CKernels
import Dispatch
@testable import NetRuntime

/// The large Float32 products (`LargeSgemm`, large_sgemm_avx512.c): bit for bit against a
/// plain loop doing the documented arithmetic (OpenBLAS's k blocks, an FMA chain per block,
/// blocks added in order) on every kind of edge, and against `cblas_sgemm` itself where
/// OpenBLAS runs the kernel it was matched to; β = 0 ignoring what C held; the routing from
/// `matmul`; a busy pool and concurrent callers; and the selection and blocking rules.
/// Skipped without AVX-512.
final class LargeSgemmTests: WideKernelTestCase {
    private var saved: (Bool, Int, Int, Int)!
    private var savedBLASThreads = 1

    override func setUpWithError() throws {
        try super.setUpWithError()
        saved = (LargeSgemm.enabled, GemmThreading.maximumWork, computeThreads, LargeSgemm.rowBlock)
        savedBLASThreads = blasThreadCount()
        WideKernels.avx512 = true
        LargeSgemm.enabled = true
        GemmThreading.maximumWork = 0   // take these small products too
        computeThreads = 2
        setBLASThreads(2)
    }

    override func tearDown() {
        (LargeSgemm.enabled, GemmThreading.maximumWork, computeThreads, LargeSgemm.rowBlock) = saved
        setBLASThreads(savedBLASThreads)
        super.tearDown()
    }

    /// One product: op(A) is m × k, op(B) k × n, C m × n with row stride ldc ≥ n.
    private struct Product {
        var m, n, k: Int
        var transA = false, transB = false, accumulate = false
        var ldc: Int { n + 3 }   // C's rows are padded, to catch writes past n
        var a: [Float], b: [Float], c: [Float]

        init(_ m: Int, _ n: Int, _ k: Int, transA: Bool = false, transB: Bool = false, accumulate: Bool = false,
             seed: UInt64) {
            (self.m, self.n, self.k, self.transA, self.transB, self.accumulate) = (m, n, k, transA, transB, accumulate)
            var rng = RandomGenerator(seed: seed)
            a = (0..<(m * k)).map { _ in Float(rng.normal()) }
            b = (0..<(k * n)).map { _ in Float(rng.normal()) }
            c = (0..<(m * (n + 3))).map { _ in Float(rng.normal()) }
        }
        var lda: Int { transA ? m : k }
        var ldb: Int { transB ? k : n }
        func opA(_ i: Int, _ l: Int) -> Float { transA ? a[l * m + i] : a[i * k + l] }
        func opB(_ l: Int, _ j: Int) -> Float { transB ? b[j * k + l] : b[l * n + j] }
        var label: String { "\(m)×\(n)×\(k) ta \(transA) tb \(transB) acc \(accumulate)" }
    }

    /// C after the product by `LargeSgemm` (which must take it).
    private func large(_ p: Product, file: StaticString = #filePath, line: UInt = #line) -> [Float] {
        var c = p.c
        let taken = p.a.withUnsafeBufferPointer { a in p.b.withUnsafeBufferPointer { b in c.withUnsafeMutableBufferPointer { c in
            LargeSgemm.run(transA: p.transA, transB: p.transB, m: p.m, n: p.n, k: p.k, a: a.baseAddress!, lda: p.lda,
                           b: b.baseAddress!, ldb: p.ldb, beta: p.accumulate ? 1 : 0, c: c.baseAddress!, ldc: p.ldc)
        } } }
        XCTAssertTrue(taken, "LargeSgemm did not take \(p.label)", file: file, line: line)
        return c
    }

    /// C after the same product by OpenBLAS.
    private func openBLAS(_ p: Product) -> [Float] {
        var c = p.c
        cblas_sgemm(CblasRowMajor, p.transA ? CblasTrans : CblasNoTrans, p.transB ? CblasTrans : CblasNoTrans,
                    Int32(p.m), Int32(p.n), Int32(p.k), 1, p.a, Int32(p.lda), p.b, Int32(p.ldb), p.accumulate ? 1 : 0,
                    &c, Int32(p.ldc))
        return c
    }

    /// C after the documented arithmetic, one element at a time: per k block (OpenBLAS's
    /// rule) the fused multiply-add chain from 0 over k, added to C (to 0 for β = 0 on the
    /// first block).
    private func reference(_ p: Product, threaded: Bool) -> [Float] {
        var c = p.c
        for i in 0..<p.m {
            for j in 0..<p.n {
                var value: Float = p.accumulate ? c[i * p.ldc + j] : 0
                var k0 = 0
                while k0 < p.k {
                    let kc = netl_sgemm_k_block(p.k - k0, threaded ? 1 : 0)
                    var sum: Float = 0
                    for l in k0..<(k0 + kc) { sum = sum.addingProduct(p.opA(i, l), p.opB(l, j)) }
                    value = value + sum
                    k0 += kc
                }
                c[i * p.ldc + j] = value
            }
        }
        return c
    }

    private func assertSameBits(_ got: [Float], _ want: [Float], _ what: String,
                                file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(got.count, want.count, file: file, line: line)
        for i in got.indices where got[i].bitPattern != want[i].bitPattern {
            XCTFail("\(what): element \(i) is \(got[i]), expected \(want[i])", file: file, line: line)
            return
        }
    }

    /// Sizes around the blocking: 1, below, at and past a 6-row panel, a 64-column panel and
    /// a 320 k block; k needing the halving rule (321, 641, 700 → 320 + 190 + 190 threaded,
    /// 320 + 192 + 188 on one thread); more rows than one row block; both transposes, β = 0
    /// and 1; OpenBLAS on one thread and on two (the two k rules).
    func testEdgesAgainstTheDocumentedArithmetic() {
        LargeSgemm.rowBlock = 18   // several row blocks even in these small products
        let shapes = [(1, 1, 1), (5, 63, 5), (6, 64, 320), (7, 65, 321), (29, 129, 641), (57, 97, 700),
                      (3, 200, 17), (200, 3, 33), (70, 40, 1000)]
        var seed: UInt64 = 1
        for blasThreads in [2, 1] {
            setBLASThreads(blasThreads)
            for (m, n, k) in shapes {
                for transA in [false, true] { for transB in [false, true] { for accumulate in [false, true] {
                    let p = Product(m, n, k, transA: transA, transB: transB, accumulate: accumulate, seed: seed)
                    seed += 1
                    assertSameBits(large(p), reference(p, threaded: blasThreads > 1), "\(p.label), \(blasThreads) BLAS threads")
                } } }
            }
        }
    }

    /// The same bits as the `cblas_sgemm` call it replaces, where OpenBLAS runs the kernel the
    /// arithmetic was matched to (SkylakeX, Cooperlake), including 300 × 300 × 700, where the
    /// one-thread and threaded k rules differ. (Below about 10⁶ multiply-adds OpenBLAS uses
    /// a separate small-matrix kernel with other sums, e.g. 45 × 33 × 641; `LargeSgemm` only
    /// takes products above 2²⁶.)
    func testSameBitsAsOpenBLAS() throws {
        let core = blasCoreName()
        try XCTSkipUnless(core == "Cooperlake" || core == "SkylakeX", "OpenBLAS runs \(core)")
        var seed: UInt64 = 100
        for blasThreads in [2, 1] {
            setBLASThreads(blasThreads)
            for (m, n, k) in [(300, 300, 700), (129, 257, 2500), (3, 800, 2500), (64, 1100, 96), (45, 330, 641)] {
                for transA in [false, true] { for transB in [false, true] { for accumulate in [false, true] {
                    let p = Product(m, n, k, transA: transA, transB: transB, accumulate: accumulate, seed: seed)
                    seed += 1
                    assertSameBits(large(p), openBLAS(p), "\(p.label), \(blasThreads) BLAS threads")
                } } }
            }
        }
    }

    /// β = 0 overwrites C without reading it (NaN there does not leak, as in BLAS), and a
    /// NaN or ∞ in A reaches only its own row of C.
    func testBetaZeroIgnoresCAndNaNStaysInItsRow() {
        var p = Product(40, 50, 400, seed: 7)
        p.c = Array(repeating: .nan, count: p.c.count)
        p.a[3 * p.k + 10] = .nan
        p.a[20 * p.k + 5] = .infinity
        let c = large(p)
        for i in 0..<p.m {
            for j in 0..<p.n {
                let v = c[i * p.ldc + j]
                if i == 3 { XCTAssertTrue(v.isNaN, "row 3 column \(j)") }
                else if i == 20 { XCTAssertFalse(v.isFinite, "row 20 column \(j)") }
                else { XCTAssertTrue(v.isFinite, "row \(i) column \(j) is \(v)") }
            }
            // The padding after n is not written.
            for j in p.n..<p.ldc { XCTAssertTrue(c[i * p.ldc + j].isNaN) }
        }
    }

    /// `matmul` of Float32 above `GemmThreading.maximumWork` goes through `LargeSgemm` (and
    /// gives OpenBLAS's bits); below it, and in Float64, it does not.
    func testMatmulRoutesLargeFloatProducts() {
        var rng = RandomGenerator(seed: 3)
        let a = Tensor<Double>.randomNormal([96, 200], rng: &rng), b = Tensor<Double>.randomNormal([200, 64], rng: &rng)
        func evaluate(large: Bool, maximumWork: Int) -> (Tensor<Float>, Int) {
            LargeSgemm.enabled = large
            GemmThreading.maximumWork = maximumWork
            let before = LargeSgemm.productsRun
            let g = Graph()
            let y = g.constant(a).matmul(g.constant(b))
            let value = g.evaluate([y], as: Float.self)[0]
            return (value, LargeSgemm.productsRun - before)
        }
        let (viaLarge, runs) = evaluate(large: true, maximumWork: 96 * 200 * 64 - 1)
        XCTAssertEqual(runs, 1)
        XCTAssertEqual(evaluate(large: true, maximumWork: 96 * 200 * 64).1, 0, "at the limit: not large")
        let (viaBLAS, none) = evaluate(large: false, maximumWork: 0)
        XCTAssertEqual(none, 0)
        assertSameBits(viaLarge.scalars, viaBLAS.scalars, "matmul 96×200×64")
        let before = LargeSgemm.productsRun
        LargeSgemm.enabled = true
        GemmThreading.maximumWork = 0
        let g = Graph()
        _ = g.evaluate([g.constant(a).matmul(g.constant(b))], as: Double.self)
        XCTAssertEqual(LargeSgemm.productsRun, before, "Float64 stays with OpenBLAS")
    }

    /// The fused dense chains (`DenseChainKernel`) run their hidden products on Wᵀ packed
    /// once per run: the same bits as with OpenBLAS, on two threads and on one with OpenBLAS
    /// on two (the two k rules: width 400 needs a second k block), with a last block small enough for OpenBLAS's
    /// small-matrix kernel (which stays with OpenBLAS).
    func testDenseChainProductsKeepOpenBLASBits() {
        GemmThreading.maximumWork = saved.1
        var rng = RandomGenerator(seed: 21)
        for widths in [[2, 128, 128, 2], [3, 400, 400, 5]] {
            let g = Graph()
            let rows = 780   // blocks of 256 (width 128) or 80 rows, and a short last one
            let x = g.input("x", shape: [rows, widths[0]])
            var h = x
            for l in 0..<(widths.count - 1) {
                let w = g.constant(Tensor<Double>.randomNormal([widths[l + 1], widths[l]], std: 0.1, rng: &rng))
                let b = g.constant(Tensor<Double>.randomNormal([widths[l + 1]], std: 0.3, rng: &rng))
                h = h.linear(w, bias: b)
                if l < widths.count - 2 { h = h.apply(.elu(1)) }
            }
            let input: Tensor<Float> = Tensor<Double>.randomNormal([rows, widths[0]], rng: &rng).converted()
            for threads in [2, 1] {
                // One compute thread leaves OpenBLAS its two (its threaded k rule).
                computeThreads = threads
                setBLASThreads(2)
                func evaluate(large: Bool) -> [Float] {
                    LargeSgemm.enabled = large
                    let exec = Executor<Float>(graph: g, outputs: [h])
                    exec.setInput(x, input)
                    exec.run()
                    XCTAssertTrue(exec.namedKernels.contains { $0.name.hasPrefix("dense_chain") }, "not fused")
                    return exec.value(h).scalars
                }
                assertSameBits(evaluate(large: true), evaluate(large: false), "chain \(widths), \(threads) threads")
            }
        }
    }

    /// From inside a parallel kernel (the pool busy: parts run one after another) and from
    /// four threads at once (one takes the packed buffer, the others fall back to OpenBLAS,
    /// which gives the same bits where its kernel is the matched one): every result is right.
    func testBusyPoolAndConcurrentCallers() throws {
        let p = Product(100, 70, 650, seed: 11)
        let want = reference(p, threaded: true)
        nonisolated(unsafe) var inside: [Float] = []
        parallelFor(2) { part in
            if part == 0 { inside = self.large(p) }
        }
        assertSameBits(inside, want, "inside parallelFor")
        let core = blasCoreName()
        try XCTSkipUnless(core == "Cooperlake" || core == "SkylakeX", "OpenBLAS runs \(core)")
        let results = UnsafeMutableBufferPointer<[Float]>.allocate(capacity: 4)
        results.initialize(repeating: [])
        defer { results.deallocate() }
        nonisolated(unsafe) let shared = results
        let before = LargeSgemm.productsRun
        DispatchQueue.concurrentPerform(iterations: 4) { t in
            var c = p.c
            p.a.withUnsafeBufferPointer { a in p.b.withUnsafeBufferPointer { b in c.withUnsafeMutableBufferPointer { c in
                splitGemm(transA: false, transB: false, m: p.m, n: p.n, k: p.k, a: a.baseAddress!, lda: p.lda,
                          b: b.baseAddress!, ldb: p.ldb, beta: Float(0), c: c.baseAddress!, ldc: p.ldc)
            } } }
            shared[t] = c
        }
        XCTAssertGreaterThanOrEqual(LargeSgemm.productsRun - before, 1)
        for t in 0..<4 { assertSameBits(results[t], want, "caller \(t) of 4") }
    }

    /// Row blocks cover the rows once, in whole 6-row panels but the last, at most
    /// `rowBlock` rows, shrinking towards the end.
    func testRowBlocksCoverEveryRowOnce() {
        var starts: [Int] = []
        for m in [1, 5, 6, 7, 60, 61, 1000, 1024, 5000] {
            LargeSgemm.rowBlockStarts(m: m, threads: 2, into: &starts)
            XCTAssertEqual(starts.first, 0)
            XCTAssertEqual(starts.last, m)
            let sizes = zip(starts.dropFirst(), starts).map { $0 - $1 }
            XCTAssertTrue(sizes.allSatisfy { $0 > 0 && $0 <= LargeSgemm.rowBlock }, "m \(m): \(sizes)")
            XCTAssertTrue(sizes.dropLast().allSatisfy { $0 % Int(NETL_SGEMM_MR) == 0 }, "m \(m): \(sizes)")
            XCTAssertEqual(sizes, sizes.sorted(by: >), "m \(m): sizes shrink")
            if m >= 1000 { XCTAssertEqual(sizes.first, LargeSgemm.rowBlock); XCTAssertLessThanOrEqual(sizes.last!, Int(NETL_SGEMM_MR)) }
        }
    }

    /// OpenBLAS's k blocks: 320 while two blocks' worth is left, then the rest halved (to 1
    /// on several threads, to 16 on one).
    func testKBlockRule() {
        XCTAssertEqual(netl_sgemm_k_block(1024, 1), 320)
        XCTAssertEqual(netl_sgemm_k_block(640, 0), 320)
        XCTAssertEqual(netl_sgemm_k_block(384, 1), 192)
        XCTAssertEqual(netl_sgemm_k_block(380, 1), 190)
        XCTAssertEqual(netl_sgemm_k_block(380, 0), 192)
        XCTAssertEqual(netl_sgemm_k_block(321, 1), 161)
        XCTAssertEqual(netl_sgemm_k_block(321, 0), 160)
        XCTAssertEqual(netl_sgemm_k_block(320, 0), 320)
        XCTAssertEqual(netl_sgemm_k_block(7, 1), 7)
    }

    /// On only with AVX-512 and an OpenBLAS kernel it matches, off with NETL_LARGE_SGEMM=0.
    func testSelectionRule() {
        XCTAssertTrue(LargeSgemm.selects(environment: [:], avx512: true, blasCore: "Cooperlake"))
        XCTAssertTrue(LargeSgemm.selects(environment: [:], avx512: true, blasCore: "SkylakeX"))
        XCTAssertFalse(LargeSgemm.selects(environment: [:], avx512: true, blasCore: "Haswell"))
        XCTAssertFalse(LargeSgemm.selects(environment: [:], avx512: true, blasCore: "Zen"))
        XCTAssertFalse(LargeSgemm.selects(environment: [:], avx512: false, blasCore: "Cooperlake"))
        XCTAssertFalse(LargeSgemm.selects(environment: ["NETL_LARGE_SGEMM": "0"], avx512: true, blasCore: "Cooperlake"))
    }
}
