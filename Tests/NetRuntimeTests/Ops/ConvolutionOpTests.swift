import XCTest
@testable import NetRuntime

/// Convolution graph ops: forward values against a naive loop, and first- and
/// second-order gradient checks of the forward op and of its two adjoints.
final class ConvolutionOpTests: XCTestCase {
    /// Naive cross-correlation of x [N, Cin, H, W] with w [Cout, Cin, kh, kw].
    func naiveConv(_ x: Tensor<Double>, _ w: Tensor<Double>, stride: (Int, Int), padding: (Int, Int)) -> Tensor<Double> {
        let (n, cin, h, wd) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let (cout, kh, kw) = (w.shape[0], w.shape[2], w.shape[3])
        let ho = (h + 2 * padding.0 - kh) / stride.0 + 1, wo = (wd + 2 * padding.1 - kw) / stride.1 + 1
        var y = Tensor<Double>.zeros([n, cout, ho, wo])
        for b in 0..<n { for o in 0..<cout { for i in 0..<ho { for j in 0..<wo {
            var s = 0.0
            for c in 0..<cin { for p in 0..<kh { for q in 0..<kw {
                let r = i * stride.0 - padding.0 + p, t = j * stride.1 - padding.1 + q
                if r >= 0 && r < h && t >= 0 && t < wd { s += x[b, c, r, t] * w[o, c, p, q] }
            } } }
            y.scalars[((b * cout + o) * ho + i) * wo + j] = s
        } } } }
        return y
    }

    func testForwardMatchesNaiveLoop() {
        var rng = RandomGenerator(seed: 11)
        for (xs, ws, stride, padding) in [([2, 2, 5, 7], [3, 2, 3, 2], (2, 1), (1, 0)),
                                          ([1, 3, 4, 4], [2, 3, 1, 1], (1, 1), (0, 0)),
                                          ([1, 1, 5, 5], [1, 1, 3, 3], (2, 2), (1, 1))] {
            let x = Tensor<Double>.randomNormal(xs, rng: &rng), w = Tensor<Double>.randomNormal(ws, rng: &rng)
            let g = Graph()
            let y = g.constant(x).conv2d(g.constant(w), stride: stride, padding: padding)
            let out = g.evaluate([y], as: Double.self)[0]
            let expected = naiveConv(x, w, stride: stride, padding: padding)
            XCTAssertEqual(out.shape, expected.shape)
            for (a, b) in zip(out.scalars, expected.scalars) { XCTAssertEqual(a, b, accuracy: 1e-12) }
        }
    }

    func testHandComputedValue() {
        // 3×3 input 1…9, 2×2 kernel of ones: window sums.
        let g = Graph()
        let x = g.constant(Tensor(shape: [1, 1, 3, 3], scalars: (1...9).map(Double.init)))
        let w = g.constant(1, shape: [1, 1, 2, 2])
        let out = g.evaluate([x.conv2d(w), x.conv2d(w, stride: 2, padding: 1)], as: Double.self)
        XCTAssertEqual(out[0].shape, [1, 1, 2, 2])
        XCTAssertEqual(out[0].scalars, [12, 16, 24, 28])
        XCTAssertEqual(out[1].scalars, [1, 5, 11, 28])   // padded corners: 1, 2+3, 4+7, 5+6+8+9
    }

    func testConv1DMatchesNaiveLoop() {
        var rng = RandomGenerator(seed: 5)
        let x = Tensor<Double>.randomNormal([2, 2, 23], rng: &rng), w = Tensor<Double>.randomNormal([3, 2, 7], rng: &rng)
        let g = Graph()
        let y = g.constant(x).conv1d(g.constant(w), stride: 5, padding: 1)
        XCTAssertEqual(y.shape, [2, 3, 4])
        let out = g.evaluate([y], as: Double.self)[0]
        let expected = naiveConv(x.reshaped([2, 2, 1, 23]), w.reshaped([3, 2, 1, 7]), stride: (1, 5), padding: (0, 1))
        for (a, b) in zip(out.scalars, expected.scalars) { XCTAssertEqual(a, b, accuracy: 1e-12) }
    }

    /// ⟨convᵀ(dy, w), x⟩ = ⟨dy, conv(x, w)⟩, also for a non-minimal output size.
    func testTransposedConvIsAdjoint() {
        var rng = RandomGenerator(seed: 9)
        for size in [(5, 7), (6, 8)] {
            let x = Tensor<Double>.randomNormal([2, 3, size.0, size.1], rng: &rng)
            let w = Tensor<Double>.randomNormal([2, 3, 3, 3], rng: &rng)
            let dy = Tensor<Double>.randomNormal([2, 2, 3, 4], rng: &rng)
            let g = Graph()
            let wn = g.constant(w)
            let y = g.constant(x).conv2d(wn, stride: 2, padding: 1)
            let t = g.constant(dy).transposedConv2d(wn, stride: 2, padding: 1, outputSize: size == (5, 7) ? nil : size)
            XCTAssertEqual(t.shape, [2, 3, size.0, size.1])
            let out = g.evaluate([(y * g.constant(dy)).sum(), (t * g.constant(x)).sum()], as: Double.self)
            XCTAssertEqual(out[0].scalars[0], out[1].scalars[0], accuracy: 1e-10)
        }
    }

    func testConv2DGradients() {
        GradientCheck(shapes: [[2, 2, 5, 7], [2, 2, 3, 3]]).run { _, x in x[0].conv2d(x[1]).tanh() }
        GradientCheck(shapes: [[1, 2, 5, 7], [3, 2, 3, 3]]).run { _, x in x[0].conv2d(x[1], stride: 2, padding: 1).tanh() }
        GradientCheck(shapes: [[1, 2, 5, 6], [2, 2, 2, 3]]).run { _, x in
            x[0].conv2d(x[1], stride: (2, 1), padding: (1, 0)).square()
        }
        // Pointwise (1×1, no workspace) and with a broadcast bias.
        GradientCheck(shapes: [[2, 3, 2, 3], [2, 3, 1, 1], [2, 1, 1]]).run { _, x in (x[0].conv2d(x[1]) + x[2]).tanh() }
    }

    func testConv1DGradients() {
        // IsotopeNet-like: stride 5.
        GradientCheck(shapes: [[2, 2, 23], [2, 2, 7], [2, 1]]).run { _, x in
            (x[0].conv1d(x[1], stride: 5, padding: 1) + x[2]).tanh()
        }
        GradientCheck(shapes: [[1, 3, 9], [2, 3, 3]]).run { _, x in x[0].conv1d(x[1], padding: 1).square() }
    }

    /// The convolution with its bias fused into the kernel: values equal conv + broadcast
    /// bias, and first- and second-order gradients (bias included) check out, 1-D and 2-D.
    func testFusedBias() {
        GradientCheck(shapes: [[2, 2, 23], [3, 2, 3], [3]]).run { _, x in
            x[0].conv(x[1], bias: x[2], stride: 5, padding: 1).tanh()
        }
        GradientCheck(shapes: [[2, 1, 13], [4, 1, 1], [4]]).run { _, x in x[0].conv(x[1], bias: x[2]).tanh() }
        GradientCheck(shapes: [[1, 2, 5, 4], [3, 2, 3, 3], [3]]).run { _, x in
            x[0].conv(x[1], bias: x[2], stride: 2, padding: 1).tanh()
        }
        var rng = RandomGenerator(seed: 8)
        for (xs, ws) in [([3, 2, 40], [4, 2, 3]), ([2, 3, 6, 5], [2, 3, 3, 3])] {
            let x = Tensor<Double>.randomNormal(xs, rng: &rng), w = Tensor<Double>.randomNormal(ws, rng: &rng)
            let b = Tensor<Double>.randomNormal([ws[0]], rng: &rng)
            let g = Graph()
            let (xn, wn, bn) = (g.constant(x), g.constant(w), g.constant(b))
            let fused = xn.conv(wn, bias: bn, stride: 2, padding: 1)
            let plain = (xs.count == 3 ? xn.conv1d(wn, stride: 2, padding: 1) : xn.conv2d(wn, stride: 2, padding: 1))
                + bn.reshaped(xs.count == 3 ? [ws[0], 1] : [ws[0], 1, 1])
            for t in [Double.self, Float.self] as [any NetScalar.Type] {
                func compare<T: NetScalar>(_: T.Type) {
                    let out = g.evaluate([fused, plain], as: T.self)
                    XCTAssertEqual(out[0].shape, out[1].shape)
                    for (u, v) in zip(out[0].scalars, out[1].scalars) { XCTAssertEqual(Double(u), Double(v), accuracy: 1e-5) }
                }
                compare(t)
            }
        }
        let g = Graph()
        XCTAssertThrowsError(try g.checkedApply(Conv2DOp(window: ConvWindow(stride: 1, padding: 0)),
                                                [g.input("x", shape: [1, 2, 9]), g.input("w", shape: [3, 2, 3]), g.input("b", shape: [2])]))
    }

    /// First- and second-order gradient checks with the direct 1-D and 2-D kernels switched
    /// on (they are off by default in debug builds): the forward, backward-input and
    /// backward-weight trio stays closed under vjp on those paths too.
    func testGradientsThroughDirectKernels() {
        ConvGeometry.direct1DEnabled = true
        ConvGeometry.direct2DEnabled = true
        defer {
            ConvGeometry.direct1DEnabled = ConvGeometry.directKernelsByDefault
            ConvGeometry.direct2DEnabled = ConvGeometry.directKernelsByDefault
        }
        GradientCheck(shapes: [[2, 2, 23], [3, 2, 3], [3]]).run { _, x in x[0].conv(x[1], bias: x[2], stride: 5, padding: 1).tanh() }
        GradientCheck(shapes: [[2, 3, 17], [2, 3, 3]]).run { _, x in x[0].conv1d(x[1], padding: 1).tanh() }
        GradientCheck(shapes: [[2, 2, 11], [3, 2, 1], [3]]).run { _, x in x[0].conv(x[1], bias: x[2], stride: 3).square() }
        GradientCheck(shapes: [[1, 2, 5, 6], [3, 2, 3, 3], [3]]).run { _, x in x[0].conv(x[1], bias: x[2], padding: 1).tanh() }
        GradientCheck(shapes: [[2, 3, 4, 4], [2, 3, 1, 1]]).run { _, x in x[0].conv2d(x[1]).tanh() }
        GradientCheck(shapes: [[1, 2, 4, 4], [2, 2, 3, 3]]).run { g, x in
            g.gradient(of: x[0].conv2d(x[1], padding: 1).tanh().sum(), wrt: x[0])
        }
        XCTAssertTrue(ConvWindow(stride: 1, padding: 1).geometryForTests(x: [2, 3, 17], w: [2, 3, 3]).usesDirect1D)
        XCTAssertTrue(ConvWindow(stride: (1, 1), padding: (1, 1)).geometryForTests(x: [1, 2, 5, 6], w: [3, 2, 3, 3]).usesDirect2D)
    }

    func testBackwardOpGradients() {
        // Backward-input (transposed convolution), minimal and larger output size.
        GradientCheck(shapes: [[1, 2, 3, 4], [2, 3, 3, 3]]).run { _, x in
            x[0].transposedConv2d(x[1], stride: 2, padding: 1).tanh()
        }
        GradientCheck(shapes: [[1, 2, 3, 4], [2, 2, 3, 3]]).run { _, x in
            x[0].transposedConv2d(x[1], stride: 2, padding: 1, outputSize: (6, 8)).square()
        }
        GradientCheck(shapes: [[2, 2, 4], [2, 3, 5]]).run { _, x in
            x[0].transposedConv1d(x[1], stride: 3, padding: 1).tanh()
        }
        // Backward-weight.
        let window = ConvWindow(stride: (2, 1), padding: (1, 1))
        GradientCheck(shapes: [[2, 2, 5, 4], [2, 3, 3, 4]]).run { g, x in
            g.apply(Conv2DBackwardWeightOp(window: window, kernelHeight: 2, kernelWidth: 3), [x[0], x[1]]).tanh()
        }
        GradientCheck(shapes: [[2, 2, 11], [2, 2, 3]]).run { g, x in
            g.apply(Conv2DBackwardWeightOp(window: ConvWindow(stride: 4, padding: 0), kernelHeight: 1, kernelWidth: 3),
                    [x[0], x[1]]).square()
        }
    }

    /// The second derivative of a convolution's input gradient: gradients of a function of
    /// vjps (as the Hutchinson log-det estimate), to third order through the check.
    func testThirdOrderThroughConv() {
        GradientCheck(shapes: [[1, 2, 4, 4], [2, 2, 3, 3]]).run { g, x in
            g.gradient(of: x[0].conv2d(x[1], padding: 1).tanh().sum(), wrt: x[0])
        }
    }

    func testFloat32MatchesFloat64() {
        var rng = RandomGenerator(seed: 3)
        let x = Tensor<Double>.randomNormal([2, 3, 9, 8], rng: &rng), w = Tensor<Double>.randomNormal([4, 3, 3, 3], rng: &rng)
        let g = Graph()
        let xn = g.input("x", shape: x.shape), wn = g.constant(w)
        let y = xn.conv2d(wn, stride: 2, padding: 1)
        let loss = y.tanh().sum()
        let dx = g.gradient(of: loss, wrt: xn), dw = g.gradient(of: loss, wrt: wn)
        let d = g.evaluate([y, dx, dw], as: Double.self, inputs: [xn: x])
        let f = g.evaluate([y, dx, dw], as: Float.self, inputs: [xn: x.converted(to: Float.self)])
        for (a, b) in zip(d, f) {
            XCTAssertEqual(a.shape, b.shape)
            for (u, v) in zip(a.scalars, b.scalars) { XCTAssertEqual(Double(v), u, accuracy: 1e-4 * Swift.max(1, Swift.abs(u))) }
        }
    }

    func testShapeErrors() {
        let g = Graph()
        let x = g.input("x", shape: [2, 3, 5, 5])
        func message(_ op: any NetRuntime.Operation, _ inputs: [Node]) -> String {
            do { _ = try g.checkedApply(op, inputs); return "" } catch { return "\(error)" }
        }
        let conv = Conv2DOp(window: ConvWindow())
        XCTAssertTrue(message(conv, [x, g.input("w1", shape: [4, 2, 3, 3])]).contains("channels mismatch"))
        XCTAssertTrue(message(conv, [x, g.input("w2", shape: [4, 3, 7, 3])]).contains("larger than padded input"))
        XCTAssertTrue(message(conv, [x, g.input("w3", shape: [4, 3, 3])]).contains("weight must be"))
        XCTAssertTrue(message(Conv2DOp(window: ConvWindow(stride: (0, 1))), [x, g.input("w4", shape: [4, 3, 3, 3])])
            .contains("stride"))
        let w = g.input("w", shape: [4, 3, 3, 3])
        XCTAssertNoThrow(try g.checkedApply(Conv2DOp(window: ConvWindow(stride: (1, 1), padding: (2, 2))), [x, g.input("w5", shape: [4, 3, 7, 7])]))
        // A backward-input whose dy does not fit the stated input size.
        XCTAssertTrue(message(Conv2DBackwardInputOp(window: ConvWindow(), inputHeight: 5, inputWidth: 5),
                              [g.input("dy", shape: [2, 4, 2, 3]), w]).contains("does not match"))
        XCTAssertTrue(message(Conv2DBackwardWeightOp(window: ConvWindow(), kernelHeight: 3, kernelWidth: 3),
                              [x, g.input("dy2", shape: [3, 4, 3, 3])]).contains("batch"))
    }
}

extension ConvWindow {
    func geometryForTests(x: [Int], w: [Int]) -> ConvGeometry { try! geometry(x: x, w: w, op: "test") }
}
