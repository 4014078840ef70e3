import XCTest
import NetRuntime
@testable import NetLibrary

final class LinearizationTests: XCTestCase {
    func denseNet(_ g: Graph) throws -> Model {
        try Model(name: "mlp", inputShape: [3], layers: [Dense(units: 5), Activation.relu(), Dense(units: 4), Activation.relu(), Dense(units: 2)],
                  graph: g, seed: 7)
    }

    func convNet(_ g: Graph) throws -> Model {
        try Model(name: "cnn", inputShape: [1, 6, 6], layers: [
            try Convolution(dimensions: 2, channels: 3, kernel: 3, stride: 2), Activation.relu(),
            try Convolution(dimensions: 2, channels: 2, kernel: 3), Activation.relu(), Flatten(), Dense(units: 5),
        ], graph: g, seed: 11)
    }

    /// The network's output at x in Float64, flattened.
    func forward(_ model: Model, _ store: VariableStore<Double>, _ x: [Double]) -> [Double] {
        let input = model.graph.input("fd_x", shape: [1] + model.inputShape)
        let y = model.apply(input, ApplyContext(training: false))
        return model.graph.evaluate([y], as: Double.self, inputs: [input: Tensor(shape: input.shape, scalars: x)], variables: store)[0].scalars
    }

    func randomPoint(_ n: Int, seed: UInt64) -> [Double] {
        var rng = RandomGenerator(seed: seed)
        return Tensor<Double>.randomNormal([n], rng: &rng).scalars
    }

    /// Def. 3.4: A_P = W₃ D₂ W₂ D₁ W₁, built by hand from the weights, equals the reverse-mode
    /// Jacobian (in chunks of 2 vjps, so several runs), and the patterns are the signs of
    /// the pre-activations.
    func testReverseModeEqualsHandBuiltProduct() throws {
        let g = Graph()
        let model = try denseNet(g)
        let store = VariableStore<Double>(g)
        let net = try PiecewiseLinearNetwork(model)
        XCTAssertEqual(net.steps.map(\.name), ["dense1", "relu1", "dense2", "relu2", "dense3"])
        let lin = Linearization(net, length: 5, variables: store, chunk: 2)
        let x = randomPoint(3, seed: 1)
        let r = lin.evaluate(at: x)
        let dense = model.root.layers.compactMap { $0 as? Dense }
        let w = dense.map { store.value($0.weight!) }, b = dense.map { store.value($0.bias!) }
        func matvec(_ a: Tensor<Double>, _ v: [Double]) -> [Double] {
            (0..<a.shape[0]).map { i in (0..<a.shape[1]).reduce(0) { $0 + a.scalars[i * a.shape[1] + $1] * v[$1] } }
        }
        let z1 = zip(matvec(w[0], x), b[0].scalars).map(+)
        let h1 = z1.map { max($0, 0) }
        let z2 = zip(matvec(w[1], h1), b[1].scalars).map(+)
        // Product W₃ D₂ W₂ D₁ W₁ column by column.
        var product = [Double](repeating: 0, count: 2 * 3)
        for j in 0..<3 {
            var e = [Double](repeating: 0, count: 3); e[j] = 1
            var v = matvec(w[0], e)
            v = zip(v, z1).map { $1 > 0 ? $0 : 0 }
            v = matvec(w[1], v)
            v = zip(v, z2).map { $1 > 0 ? $0 : 0 }
            v = matvec(w[2], v)
            for i in 0..<2 { product[i * 3 + j] = v[i] }
        }
        XCTAssertEqual(r.jacobian.shape, [2, 3])
        for (a, e) in zip(r.jacobian.scalars, product) { XCTAssertEqual(a, e, accuracy: 1e-13) }
        XCTAssertEqual(r.patterns.map(\.name), ["relu1", "relu2"])
        XCTAssertEqual(r.patterns[0].active, z1.map { $0 > 0 })
        XCTAssertEqual(r.patterns[1].active, z2.map { $0 > 0 })
        assertClose(r.output, forward(model, store, x), accuracy: 1e-13)
    }

    /// A strided convolutional ReLU net: the Jacobian against central finite differences.
    func testStridedConvolutionAgainstFiniteDifferences() throws {
        let g = Graph()
        let model = try convNet(g)
        let store = VariableStore<Double>(g)
        let net = try PiecewiseLinearNetwork(model)
        let x = randomPoint(36, seed: 2)
        let lin = Linearization(net, length: net.steps.count, variables: store, chunk: 3)
        let j = lin.evaluate(at: x).jacobian
        XCTAssertEqual(j.shape, [5, 36])
        let h = 1e-6
        for c in 0..<36 {
            var xp = x, xm = x
            xp[c] += h; xm[c] -= h
            let fd = zip(forward(model, store, xp), forward(model, store, xm)).map { ($0 - $1) / (2 * h) }
            for i in 0..<5 { XCTAssertEqual(j.scalars[i * 36 + c], fd[i], accuracy: 1e-7, "entry \(i), \(c)") }
        }
        XCTAssertGreaterThan(j.scalars.map(abs).max()!, 1e-3)
    }

    /// Forward mode (all prefixes in one pass) and reverse mode give the same matrices.
    func testForwardModePrefixesEqualReverseMode() throws {
        let g = Graph()
        let model = try convNet(g)
        let store = VariableStore<Double>(g)
        let net = try PiecewiseLinearNetwork(model)
        let x = randomPoint(36, seed: 3)
        let all = try PrefixJacobians(net, variables: store).transposedJacobians(at: x)
        XCTAssertEqual(all.count, net.steps.count)
        for length in 1...net.steps.count {
            let j = Linearization(net, length: length, variables: store).evaluate(at: x).jacobian
            let m = j.shape[0]
            XCTAssertEqual(all[length - 1].shape, [36, m])
            for i in 0..<m { for c in 0..<36 {
                XCTAssertEqual(all[length - 1].scalars[c * m + i], j.scalars[i * 36 + c], accuracy: 1e-12)
            } }
        }
    }

    /// Per-layer spectra: counts and condition numbers follow from the singular values, and a
    /// ReLU never has more non-zero singular values than the layer before it.
    func testLayerSpectraSummaries() throws {
        let g = Graph()
        let model = try convNet(g)
        let store = VariableStore<Double>(g)
        let net = try PiecewiseLinearNetwork(model)
        let inputs = (0..<5).map { randomPoint(36, seed: 10 + UInt64($0)) }
        let spectra = try LayerSpectra.measure(net, inputs: inputs, variables: store)
        XCTAssertEqual(spectra.layers.map(\.units), [27, 27, 18, 18, 5])   // flatten is left out
        XCTAssertEqual(spectra.layers.map(\.index), [1, 2, 3, 4, 5])
        XCTAssertEqual(net.steps.map(\.index), [1, 2, 3, 4, 4, 5])
        XCTAssertEqual(try net.prefixLength(index: 5), 6)
        XCTAssertEqual(try net.prefixLength("relu2"), 4)
        XCTAssertThrowsError(try net.prefixLength(index: 6))
        XCTAssertThrowsError(try net.prefixLength("relu3"))
        for layer in spectra.layers {
            XCTAssertEqual(layer.singularValues.count, min(layer.units, 36))
            XCTAssertLessThanOrEqual(layer.nonZero, Double(min(layer.units, 36)))
            XCTAssertGreaterThanOrEqual(layer.condition, 1)
        }
        XCTAssertLessThanOrEqual(spectra.layers[1].nonZero, spectra.layers[0].nonZero)
        // One sample: the median is that sample's own numbers.
        let one = try LayerSpectra.measure(net, inputs: [inputs[0]], variables: store)
        let j = Linearization(net, length: 2, variables: store).evaluate(at: inputs[0]).jacobian
        let s = try singularValues(j)
        let nonZero = s.filter { $0 > 36 * Double.ulpOfOne * s[0] }
        XCTAssertEqual(one.layers[1].nonZero, Double(nonZero.count))
        XCTAssertEqual(one.layers[1].condition, nonZero[0] / nonZero.last!, accuracy: 1e-9 * nonZero[0] / nonZero.last!)
    }

    /// The operator matrix of a strided convolution reproduces the layer: A·x + b = conv(x).
    func testConvolutionOperatorMatrix() throws {
        let g = Graph()
        let model = try convNet(g)
        let store = VariableStore<Double>(g)
        let net = try PiecewiseLinearNetwork(model)
        let (a, b) = try LayerOperator.affine(net.steps[0], in: net, variables: store)
        XCTAssertEqual(a.shape, [27, 36])
        let x = randomPoint(36, seed: 4)
        let input = g.input("op_x", shape: [1, 1, 6, 6])
        let y = net.steps[0].layer.apply(input, ApplyContext(training: false))
        let direct = g.evaluate([y], as: Double.self, inputs: [input: Tensor(shape: [1, 1, 6, 6], scalars: x)], variables: store)[0].scalars
        for i in 0..<27 {
            var v = b[i]
            for j in 0..<36 { v += a.scalars[i * 36 + j] * x[j] }
            XCTAssertEqual(v, direct[i], accuracy: 1e-12)
        }
        // The input of the second convolution is the output of conv + relu.
        let u = LayerOperator.input(ofStep: 2, in: net, at: x, variables: store)
        assertClose(u, direct.map { max($0, 0) }, accuracy: 1e-12)
    }

    func testNonReLULayersAreRefused() throws {
        let g = Graph()
        let model = try Model(name: "t", inputShape: [2], layers: [Dense(units: 3), Activation.tanh(), Dense(units: 1)], graph: g, seed: 1)
        XCTAssertThrowsError(try PiecewiseLinearNetwork(model)) { error in
            XCTAssertTrue("\(error)".contains("layer 2 of 't' is tanh"), "\(error)")
        }
    }
}

func assertClose(_ a: [Double], _ b: [Double], accuracy: Double, file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertEqual(a.count, b.count, file: file, line: line)
    for (x, y) in zip(a, b) { XCTAssertEqual(x, y, accuracy: accuracy, file: file, line: line) }
}
