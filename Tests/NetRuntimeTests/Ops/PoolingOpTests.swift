import XCTest
@testable import NetRuntime

/// Pooling graph ops: forward values and first- and second-order gradient checks of the
/// pools and of their backward / select ops.
final class PoolingOpTests: XCTestCase {
    func iota(_ shape: [Int]) -> Tensor<Double> {
        Tensor(shape: shape, scalars: (0..<shape.reduce(1, *)).map(Double.init))
    }

    /// A NaN in a window is its maximum (PyTorch propagates it too); it used to be skipped,
    /// so a NaN activation could vanish behind max pooling. The gradient goes to it.
    func testMaxPoolingPropagatesNaN() {
        let g = Graph()
        var values = iota([1, 1, 4, 4]).scalars
        values[1] = .nan; values[14] = .nan   // windows (0,0) and (1,1), not in the first place
        let x = g.constant(Tensor(shape: [1, 1, 4, 4], scalars: values))
        let y = x.maxPool2d(kernel: 2)
        let out = g.evaluate([y, g.gradients(of: y.sum(), wrt: [x])[0]], as: Double.self)
        XCTAssertTrue(out[0].scalars[0].isNaN); XCTAssertEqual(out[0].scalars[1], 7)
        XCTAssertEqual(out[0].scalars[2], 13); XCTAssertTrue(out[0].scalars[3].isNaN)
        XCTAssertEqual(out[1].scalars[1], 1, "the gradient of window (0,0) goes to its NaN")
        XCTAssertEqual(out[1].scalars[14], 1)
        XCTAssertEqual(out[1].scalars[5], 0)
    }

    func testHandComputedValues() {
        let g = Graph()
        let x = g.constant(iota([1, 1, 4, 4]))
        let out = g.evaluate([x.maxPool2d(kernel: 2), x.avgPool2d(kernel: 2),
                              x.maxPool2d(kernel: 3, stride: 2, padding: 1),
                              x.avgPool2d(kernel: 3, stride: 2, padding: 1),
                              x.avgPool2d(kernel: 3, stride: 2, padding: 1, countIncludesPadding: false),
                              x.globalAveragePooled()], as: Double.self)
        XCTAssertEqual(out[0].shape, [1, 1, 2, 2])
        XCTAssertEqual(out[0].scalars, [5, 7, 13, 15])
        XCTAssertEqual(out[1].scalars, [2.5, 4.5, 10.5, 12.5])
        XCTAssertEqual(out[2].scalars, [5, 7, 13, 15])
        // Window (0,0) covers rows/cols 0…1 (sum 0+1+4+5 = 10); (0,1) rows 0…1, cols 1…3.
        XCTAssertEqual(out[3].scalars[0], 10.0 / 9, accuracy: 1e-14)
        XCTAssertEqual(out[3].scalars[1], (1 + 2 + 3 + 5 + 6 + 7) / 9.0, accuracy: 1e-14)
        XCTAssertEqual(out[4].scalars[0], 10.0 / 4, accuracy: 1e-14)
        XCTAssertEqual(out[4].scalars[3], (5 + 6 + 7 + 9 + 10 + 11 + 13 + 14 + 15) / 9.0, accuracy: 1e-14)
        XCTAssertEqual(out[5].shape, [1, 1])
        XCTAssertEqual(out[5].scalars, [7.5])
    }

    func testPool1DValues() {
        let g = Graph()
        let x = g.constant(Tensor(shape: [1, 2, 7], scalars: [3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5, 8, 9, 7]))
        let out = g.evaluate([x.maxPool1d(kernel: 2), x.avgPool1d(kernel: 3, stride: 2, padding: 1), x.globalAveragePooled()],
                             as: Double.self)
        XCTAssertEqual(out[0].shape, [1, 2, 3])
        XCTAssertEqual(out[0].scalars, [3, 4, 9, 6, 5, 9])
        XCTAssertEqual(out[1].shape, [1, 2, 4])
        XCTAssertEqual(out[1].scalars[0], 4.0 / 3, accuracy: 1e-14)      // (0 + 3 + 1)/3
        XCTAssertEqual(out[1].scalars[3], 11.0 / 3, accuracy: 1e-14)     // (9 + 2 + 0)/3
        XCTAssertEqual(out[2].shape, [1, 2])
        XCTAssertEqual(out[2].scalars[0], 25.0 / 7, accuracy: 1e-14)
    }

    func testMaxPoolGradients() {
        GradientCheck(shapes: [[2, 2, 4, 4]]).run { _, x in x[0].maxPool2d(kernel: 2).tanh() }
        GradientCheck(shapes: [[1, 2, 5, 7]]).run { _, x in x[0].maxPool2d(kernel: 3, stride: 2, padding: 1).square() }
        GradientCheck(shapes: [[1, 2, 5, 6]]).run { _, x in x[0].maxPool2d(kernel: (2, 3), stride: (1, 2)).tanh() }
        GradientCheck(shapes: [[2, 2, 11]]).run { _, x in x[0].maxPool1d(kernel: 3, stride: 2, padding: 1).tanh() }
    }

    func testAvgPoolGradients() {
        GradientCheck(shapes: [[2, 2, 4, 4]]).run { _, x in x[0].avgPool2d(kernel: 2).tanh() }
        GradientCheck(shapes: [[1, 2, 5, 7]]).run { _, x in x[0].avgPool2d(kernel: 3, stride: 2, padding: 1).square() }
        GradientCheck(shapes: [[1, 2, 5, 7]]).run { _, x in
            x[0].avgPool2d(kernel: 3, stride: 2, padding: 1, countIncludesPadding: false).tanh()
        }
        GradientCheck(shapes: [[2, 2, 11]]).run { _, x in x[0].avgPool1d(kernel: 5, stride: 5, padding: 2).tanh() }
        GradientCheck(shapes: [[2, 3, 3, 4]]).run { _, x in x[0].globalAveragePooled().tanh() }
    }

    func testBackwardAndSelectOpGradients() {
        let window = PoolWindow(kernel: (3, 3), stride: (2, 2), padding: (1, 1))
        // Max-pool backward and select: nonlinear in nothing but their second argument (x
        // only picks positions), so wrap in a nonlinearity to test second order.
        GradientCheck(shapes: [[1, 2, 5, 5], [1, 2, 3, 3]]).run { g, x in
            g.apply(MaxPoolBackwardOp(window: window), [x[0], x[1]]).tanh()
        }
        GradientCheck(shapes: [[1, 2, 5, 5], [1, 2, 5, 5]]).run { g, x in
            g.apply(MaxPoolSelectOp(window: window), [x[0], x[1]]).tanh()
        }
        for countIncludesPadding in [true, false] {
            let avg = PoolWindow(kernel: (3, 3), stride: (2, 2), padding: (1, 1), countIncludesPadding: countIncludesPadding)
            GradientCheck(shapes: [[1, 2, 3, 3]]).run { g, x in
                g.apply(AvgPoolBackwardOp(window: avg, inputHeight: 5, inputWidth: 6), [x[0]]).tanh()
            }
        }
        GradientCheck(shapes: [[2, 2, 3]]).run { g, x in
            g.apply(AvgPoolBackwardOp(window: PoolWindow(kernel: 3, stride: 2), inputHeight: 1, inputWidth: 8), [x[0]]).square()
        }
    }

    /// Pooling inside a function of vjps, differentiated again (third order through the check).
    func testThirdOrderThroughPools() {
        GradientCheck(shapes: [[1, 2, 4, 4]]).run { g, x in
            g.gradient(of: (x[0].tanh().maxPool2d(kernel: 2) + x[0].avgPool2d(kernel: 2)).tanh().sum(), wrt: x[0])
        }
    }

    func testFloat32MatchesFloat64() {
        var rng = RandomGenerator(seed: 4)
        let x = Tensor<Double>.randomNormal([2, 3, 7, 6], rng: &rng)
        let g = Graph()
        let xn = g.input("x", shape: x.shape)
        let ys = [xn.maxPool2d(kernel: 3, stride: 2, padding: 1), xn.avgPool2d(kernel: 2), xn.globalAveragePooled()]
        let dx = g.gradient(of: ys.map { $0.tanh().sum() }.reduce(g.constant(0), +), wrt: xn)
        let d = g.evaluate(ys + [dx], as: Double.self, inputs: [xn: x])
        let f = g.evaluate(ys + [dx], as: Float.self, inputs: [xn: x.converted(to: Float.self)])
        for (a, b) in zip(d, f) {
            XCTAssertEqual(a.shape, b.shape)
            for (u, v) in zip(a.scalars, b.scalars) { XCTAssertEqual(Double(v), u, accuracy: 1e-5 * Swift.max(1, Swift.abs(u))) }
        }
    }

    func testShapeErrors() {
        let g = Graph()
        let x = g.input("x", shape: [1, 2, 4, 4])
        func message(_ op: any NetRuntime.Operation, _ inputs: [Node]) -> String {
            do { _ = try g.checkedApply(op, inputs); return "" } catch { return "\(error)" }
        }
        XCTAssertTrue(message(MaxPoolOp(window: PoolWindow(kernel: (5, 5))), [x]).contains("larger than padded input"))
        XCTAssertTrue(message(AvgPoolOp(window: PoolWindow(kernel: (2, 2), padding: (2, 0))), [x]).contains("smaller than the kernel"))
        XCTAssertTrue(message(MaxPoolOp(window: PoolWindow(kernel: (2, 2))), [g.input("v", shape: [2, 4])]).contains("[N, C, H, W]"))
        XCTAssertTrue(message(MaxPoolBackwardOp(window: PoolWindow(kernel: (2, 2))), [x, g.input("dy", shape: [1, 2, 3, 3])])
            .contains("does not match"))
    }
}
