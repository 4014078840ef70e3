import XCTest
import CBLAS
@testable import NetRuntime

/// GEMMs split by rows or columns between the compute threads (`splitGemm`)
/// against naive loops, for every transpose combination, both split directions, parts of
/// unequal size, Float64 and Float32, through `matmul` and `linear`.
final class RowSplitGemmTests: XCTestCase {
    private var saved: (Bool, Int, Int, Int)!
    private var savedBLASThreads: Int32 = 1

    override func setUp() {
        saved = (GemmThreading.split, GemmThreading.minimumWork, GemmThreading.maximumWork, computeThreads)
        savedBLASThreads = openblas_get_num_threads()
        computeThreads = 2
        setBLASThreads(2)
        GemmThreading.split = true
        GemmThreading.minimumWork = 0   // split even these small products
        GemmThreading.maximumWork = .max
    }

    override func tearDown() {
        (GemmThreading.split, GemmThreading.minimumWork, GemmThreading.maximumWork, computeThreads) = saved
        setBLASThreads(Int(savedBLASThreads))
    }

    /// (m, k, n): taller than wide (split by rows, 37 = 32 + 5), wider than tall (by
    /// columns), and square.
    private let shapes = [(37, 19, 12), (12, 21, 70), (48, 33, 48)]

    func testMatmulAgainstNaiveProduct() {
        var rng = RandomGenerator(seed: 13)
        for (m, k, n) in shapes {
            for ta in [false, true] { for tb in [false, true] {
                let a = Tensor<Double>.randomNormal(ta ? [k, m] : [m, k], rng: &rng)
                let b = Tensor<Double>.randomNormal(tb ? [n, k] : [k, n], rng: &rng)
                let g = Graph()
                let c = g.constant(a).matmul(g.constant(b), transposeA: ta, transposeB: tb)
                let d = g.evaluate([c], as: Double.self)[0], f = g.evaluate([c], as: Float.self)[0]
                for i in 0..<m { for j in 0..<n {
                    var s = 0.0
                    for l in 0..<k { s += (ta ? a[l, i] : a[i, l]) * (tb ? b[j, l] : b[l, j]) }
                    XCTAssertEqual(d[i, j], s, accuracy: 1e-12, "\(m)×\(k)×\(n) ta \(ta) tb \(tb)")
                    XCTAssertEqual(Double(f[i, j]), s, accuracy: 1e-4 * Swift.max(1, Swift.abs(s)))
                } }
            } }
        }
    }

    func testLinearAgainstNaiveLoop() {
        var rng = RandomGenerator(seed: 17)
        for (m, k, n) in shapes {
            let x = Tensor<Double>.randomNormal([m, k], rng: &rng), w = Tensor<Double>.randomNormal([n, k], rng: &rng)
            let b = Tensor<Double>.randomNormal([n], rng: &rng)
            let g = Graph()
            let y = g.constant(x).linear(g.constant(w), bias: g.constant(b))
            let d = g.evaluate([y], as: Double.self)[0], f = g.evaluate([y], as: Float.self)[0]
            for i in 0..<m { for j in 0..<n {
                var s = b[j]
                for l in 0..<k { s += x[i, l] * w[j, l] }
                XCTAssertEqual(d[i, j], s, accuracy: 1e-12, "\(m)×\(k)×\(n)")
                XCTAssertEqual(Double(f[i, j]), s, accuracy: 1e-4 * Swift.max(1, Swift.abs(s)))
            } }
        }
    }

    /// The split products inside a training step's gradients (second order included).
    func testGradients() {
        GradientCheck(shapes: [[36, 10], [10, 12]]).run { _, x in x[0].matmul(x[1]).tanh() }
        GradientCheck(shapes: [[3, 12], [40, 12], [40]]).run { _, x in x[0].linear(x[1], bias: x[2]).tanh() }
    }

    /// From inside a parallel body the pool is busy: the product runs as one call, with
    /// the same result as the split one.
    func testBusyPoolFallsBackToOneCall() {
        var rng = RandomGenerator(seed: 19)
        let g = Graph()
        let a = g.constant(.randomNormal([40, 30], rng: &rng)), b = g.constant(.randomNormal([30, 20], rng: &rng))
        let c = a.matmul(b)
        let split = g.evaluate([c], as: Double.self)[0]
        let execs = (0..<2).map { _ in Executor<Double>(graph: g, outputs: [c]) }
        parallelFor(2) { i in execs[i].run() }
        for e in execs {
            for (x, y) in zip(e.value(c).scalars, split.scalars) { XCTAssertEqual(x, y, accuracy: 1e-12) }
        }
        let inner = UnsafeMutableBufferPointer<Bool>.allocate(capacity: 2)
        defer { inner.deallocate() }
        inner.initialize(repeating: true)
        XCTAssertTrue(parallelForIfIdle(2) { i in inner[i] = parallelForIfIdle(2) { _ in } })
        XCTAssertEqual(Array(inner), [false, false])
    }
}
