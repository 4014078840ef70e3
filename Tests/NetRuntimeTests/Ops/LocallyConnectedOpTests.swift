import XCTest
@testable import NetRuntime

/// The 1-D locally-connected graph ops: forward values against a naive loop, first- and
/// second-order gradient checks of the layer and of its two adjoints.
final class LocallyConnectedOpTests: XCTestCase {
    /// y[n, o, i] = Σ_{c,j} w[i, o, c·k + j] · xpad[n, c, i·s + j].
    func naive(_ x: Tensor<Double>, _ w: Tensor<Double>, kernel k: Int, stride s: Int, padding p: Int) -> Tensor<Double> {
        let (n, cin, l) = (x.shape[0], x.shape[1], x.shape[2])
        let (lo, cout) = (w.shape[0], w.shape[1])
        var y = Tensor<Double>.zeros([n, cout, lo])
        for b in 0..<n { for o in 0..<cout { for i in 0..<lo {
            var sum = 0.0
            for c in 0..<cin { for j in 0..<k {
                let t = i * s - p + j
                if t >= 0 && t < l { sum += w[i, o, c * k + j] * x[b, c, t] }
            } }
            y.scalars[(b * cout + o) * lo + i] = sum
        } } }
        return y
    }

    func testForwardMatchesNaiveLoop() {
        var rng = RandomGenerator(seed: 21)
        for (xs, k, s, p, cout) in [([2, 3, 11], 3, 2, 1, 2), ([1, 2, 17], 5, 5, 0, 3), ([2, 1, 6], 2, 1, 1, 1)] {
            let lo = (xs[2] + 2 * p - k) / s + 1
            let x = Tensor<Double>.randomNormal(xs, rng: &rng)
            let w = Tensor<Double>.randomNormal([lo, cout, xs[1] * k], rng: &rng)
            let g = Graph()
            let y = g.constant(x).locallyConnected1d(g.constant(w), kernel: k, stride: s, padding: p)
            XCTAssertEqual(y.shape, [xs[0], cout, lo])
            let out = g.evaluate([y], as: Double.self)[0]
            let expected = naive(x, w, kernel: k, stride: s, padding: p)
            for (a, b) in zip(out.scalars, expected.scalars) { XCTAssertEqual(a, b, accuracy: 1e-12) }
        }
    }

    func testHandComputedValue() {
        // L = 4, k = 2, stride 2: two positions, each with its own filter.
        let g = Graph()
        let x = g.constant(Tensor(shape: [1, 1, 4], scalars: [1, 2, 3, 4]))
        let w = g.constant(Tensor(shape: [2, 1, 2], scalars: [1, 10, -1, 0.5]))
        let y = g.evaluate([x.locallyConnected1d(w, kernel: 2, stride: 2)], as: Double.self)[0]
        XCTAssertEqual(y.shape, [1, 1, 2])
        XCTAssertEqual(y.scalars, [21, -1])
    }

    func testGradients() {
        // With a per-position bias [C_out, L_out] added by broadcasting.
        GradientCheck(shapes: [[2, 2, 11], [6, 3, 6], [3, 6]]).run { _, x in
            (x[0].locallyConnected1d(x[1], kernel: 3, stride: 2, padding: 1) + x[2]).tanh()
        }
        // IsotopeNet-like stride 5.
        GradientCheck(shapes: [[1, 2, 17], [3, 2, 10]]).run { _, x in
            x[0].locallyConnected1d(x[1], kernel: 5, stride: 5).square()
        }
    }

    func testBackwardOpGradients() {
        let window = LocallyConnectedWindow(kernel: 3, stride: 2, padding: 1)
        // Backward-input: dy [N, C_out, L_out], w [L_out, C_out, C_in·k] → [N, C_in, 10]
        // (L_out = 5 for L = 10 with this window).
        GradientCheck(shapes: [[2, 2, 5], [5, 2, 6]]).run { g, x in
            g.apply(LocallyConnected1DBackwardInputOp(window: window, length: 10), [x[0], x[1]]).tanh()
        }
        // Backward-weight: x [N, C_in, L], dy [N, C_out, L_out] → [L_out, C_out, C_in·k].
        GradientCheck(shapes: [[2, 2, 9], [2, 3, 5]]).run { g, x in
            g.apply(LocallyConnected1DBackwardWeightOp(window: window), [x[0], x[1]]).tanh()
        }
    }

    func testThirdOrder() {
        GradientCheck(shapes: [[1, 2, 7], [3, 2, 6]]).run { g, x in
            g.gradient(of: x[0].locallyConnected1d(x[1], kernel: 3, stride: 2).tanh().sum(), wrt: x[0])
        }
    }

    func testFloat32MatchesFloat64() {
        var rng = RandomGenerator(seed: 8)
        let x = Tensor<Double>.randomNormal([3, 2, 20], rng: &rng), w = Tensor<Double>.randomNormal([4, 3, 10], rng: &rng)
        let g = Graph()
        let xn = g.input("x", shape: x.shape), wn = g.constant(w)
        let y = xn.locallyConnected1d(wn, kernel: 5, stride: 5)
        let grads = g.gradients(of: y.tanh().sum(), wrt: [xn, wn])
        let d = g.evaluate([y] + grads, as: Double.self, inputs: [xn: x])
        let f = g.evaluate([y] + grads, as: Float.self, inputs: [xn: x.converted(to: Float.self)])
        for (a, b) in zip(d, f) {
            XCTAssertEqual(a.shape, b.shape)
            for (u, v) in zip(a.scalars, b.scalars) { XCTAssertEqual(Double(v), u, accuracy: 1e-4 * Swift.max(1, Swift.abs(u))) }
        }
    }

    func testShapeErrors() {
        let g = Graph()
        let x = g.input("x", shape: [2, 3, 10])
        func message(_ op: any NetRuntime.Operation, _ inputs: [Node]) -> String {
            do { _ = try g.checkedApply(op, inputs); return "" } catch { return "\(error)" }
        }
        let op = LocallyConnected1DOp(window: LocallyConnectedWindow(kernel: 3, stride: 2))
        XCTAssertEqual(message(op, [x, g.input("w", shape: [4, 5, 9])]), "")
        XCTAssertTrue(message(op, [x, g.input("w1", shape: [5, 5, 9])]).contains("[L_out, C_out, C_in·k] = [4, C_out, 3·3]"))
        XCTAssertTrue(message(op, [x, g.input("w2", shape: [4, 5, 6])]).contains("weight must be"))
        XCTAssertTrue(message(LocallyConnected1DOp(window: LocallyConnectedWindow(kernel: 13)), [x, g.input("w3", shape: [1, 1, 39])])
            .contains("larger than padded input"))
    }
}
