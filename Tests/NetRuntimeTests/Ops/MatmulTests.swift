import XCTest
@testable import NetRuntime

final class MatmulTests: XCTestCase {
    /// Every transpose combination, small (plain loop) and large (BLAS), against a naive product.
    func testAgainstNaiveProduct() {
        var rng = RandomGenerator(seed: 7)
        for (m, k, n) in [(3, 4, 5), (17, 33, 20)] {
            for ta in [false, true] { for tb in [false, true] {
                let a = Tensor<Double>.randomNormal(ta ? [k, m] : [m, k], rng: &rng)
                let b = Tensor<Double>.randomNormal(tb ? [n, k] : [k, n], rng: &rng)
                let g = Graph()
                let c = g.constant(a).matmul(g.constant(b), transposeA: ta, transposeB: tb)
                let out = g.evaluate([c], as: Double.self)[0]
                XCTAssertEqual(out.shape, [m, n])
                for i in 0..<m { for j in 0..<n {
                    var s = 0.0
                    for l in 0..<k { s += (ta ? a[l, i] : a[i, l]) * (tb ? b[j, l] : b[l, j]) }
                    XCTAssertEqual(out[i, j], s, accuracy: 1e-12)
                } }
            } }
        }
    }

    func testGradients() {
        for ta in [false, true] { for tb in [false, true] {
            GradientCheck(shapes: [ta ? [4, 3] : [3, 4], tb ? [5, 4] : [4, 5]])
                .run { _, x in x[0].matmul(x[1], transposeA: ta, transposeB: tb) }
        } }
        GradientCheck(shapes: [[2, 3, 4], [2, 4, 2]]).run { _, x in x[0].matmul(x[1]) }
        // Through a nonlinearity, so second derivatives are not trivially zero.
        GradientCheck(shapes: [[3, 4], [4, 2]]).run { _, x in x[0].matmul(x[1]).tanh() }
    }

    func testFloat32MatchesFloat64() {
        var rng = RandomGenerator(seed: 3)
        let a = Tensor<Double>.randomNormal([64, 80], rng: &rng), b = Tensor<Double>.randomNormal([80, 48], rng: &rng)
        let g = Graph()
        let c = g.constant(a).matmul(g.constant(b))
        let d = g.evaluate([c], as: Double.self)[0], f = g.evaluate([c], as: Float.self)[0]
        for (x, y) in zip(d.scalars, f.scalars) { XCTAssertEqual(Double(y), x, accuracy: 1e-4 * Swift.max(1, Swift.abs(x))) }
    }
}

final class LinearOpTests: XCTestCase {
    /// x·Wᵀ + b against matmul + add, for the thin (k ≤ 8) and the BLAS path, and gradients.
    func testMatchesMatmulPlusBiasAndGradients() {
        LinearOp.thinOutputKernel = true   // the n ≤ 4 SIMD path (off by default in debug builds)
        defer { LinearOp.thinOutputKernel = ConvGeometry.directKernelsByDefault }
        var rng = RandomGenerator(seed: 11)
        for (m, k, n) in [(5, 2, 7), (9, 20, 6), (7, 37, 2), (3, 16, 4), (4, 130, 1)] {
            let g = Graph()
            let x = g.constant(.randomNormal([m, k], rng: &rng)), w = g.constant(.randomNormal([n, k], rng: &rng))
            let b = g.constant(.randomNormal([n], rng: &rng))
            let out = g.evaluate([x.linear(w, bias: b), x.matmul(w, transposeB: true) + b], as: Double.self)
            for (p, q) in zip(out[0].scalars, out[1].scalars) { XCTAssertEqual(p, q, accuracy: 1e-12) }
            GradientCheck(shapes: [[m, k], [n, k], [n]]).run { _, v in v[0].linear(v[1], bias: v[2]).tanh() }
            let f = g.evaluate([x.linear(w, bias: b)], as: Float.self)[0]
            for (p, q) in zip(f.scalars, out[1].scalars) { XCTAssertEqual(Double(p), q, accuracy: 1e-4 * Swift.max(1, Swift.abs(q))) }
        }
    }
}
