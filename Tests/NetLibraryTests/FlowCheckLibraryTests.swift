import XCTest
import NetRuntime
@testable import NetLibrary

/// `Flow` and the `InvertibleLayer` / `LipschitzBounded` protocols without the language.
final class FlowCheckLibraryTests: XCTestCase {
    func model(_ layers: [Layer], input: [Int] = [2], graph: Graph = Graph()) throws -> Model {
        try Model(name: "m", inputShape: input, layers: layers, graph: graph, seed: 1)
    }

    func violation(_ layers: [Layer], _ requirement: FlowRequirement = .density, input: [Int] = [2]) throws -> FlowViolation? {
        do { _ = try Flow(try model(layers, input: input), requirement: requirement); return nil } catch let v as FlowViolation { return v }
    }

    func testReasonsAndCulprits() throws {
        let c = LipschitzConstraint(coefficient: 0.5)
        let dense = Dense(units: 2)
        var v = try violation([ActNorm(), dense])
        XCTAssertEqual(v?.reason, .notInvertible); XCTAssertTrue(v?.layer === dense); XCTAssertEqual(v?.index, 2)

        let elu = Activation.elu(2)
        v = try violation([Residual([Dense(units: 4, constraint: c), elu, Dense(units: 2, constraint: c)])])
        XCTAssertEqual(v?.reason, .activationNotOneLipschitz); XCTAssertTrue(v?.layer === elu)

        let bn = BatchNorm()
        v = try violation([Residual([Dense(units: 4, constraint: c), bn, Dense(units: 2, constraint: c)])])
        XCTAssertEqual(v?.reason, .notLipschitzConstrained); XCTAssertTrue(v?.layer === bn)

        v = try violation([Residual([Dense(units: 3, constraint: c)])])
        XCTAssertEqual(v?.reason, .notInvertible, "projection shortcut")

        v = try violation([Residual([Dense(units: 4, constraint: LipschitzConstraint(coefficient: 1)), Activation.tanh(),
                                     Dense(units: 2, constraint: LipschitzConstraint(coefficient: 1))])])
        XCTAssertEqual(v?.reason, .notContractive)

        let pad = PadChannels(1)
        v = try violation([pad, Residual([Dense(units: 3, constraint: c)])], .density)
        XCTAssertEqual(v?.reason, .noLogDet); XCTAssertTrue(v?.layer === pad)
        XCTAssertNil(try violation([PadChannels(1), Residual([Dense(units: 3, constraint: c)])], .invertible))
        // 1-Lipschitz activations, leaky_relu with a slope below 1, sigmoid: a flow.
        XCTAssertNil(try violation([ActNorm(), Residual([Dense(units: 4, constraint: c), Activation.leakyRelu(0.1),
                                                        Dense(units: 4, constraint: c), Activation.sigmoid(), Dense(units: 2, constraint: c)])]))
    }

    /// The measured report multiplies the body's measured constants (SVD of effective
    /// weights, slopes); sigmoid's ¼ enters both the nominal and the measured bound.
    func testLipschitzReportMeasuresEveryLayer() throws {
        let g = Graph()
        let c = LipschitzConstraint(coefficient: 0.9)
        let m = try model([Residual([Dense(units: 6, constraint: c), Activation.sigmoid(), Dense(units: 2, constraint: c)])], graph: g)
        let store = VariableStore<Float>(g)
        let flow = try Flow(m, requirement: .density)
        let report = try XCTUnwrap(LipschitzVerification.verify(flow, variables: store).first)
        XCTAssertEqual(report.rows.map(\.name), ["residual1.dense1", "residual1.sigmoid1", "residual1.dense2"])
        XCTAssertEqual(report.nominal!, 0.9 * 0.25 * 0.9, accuracy: 1e-12)
        let weights = m.parameters.filter { $0.rank == 2 }
        let norms = try weights.map { min(try spectralNorm(store.value($0)), 0.9) }
        XCTAssertEqual(report.measured, norms[0] * 0.25 * norms[1], accuracy: 1e-6 * report.measured)
    }

    /// ActNorm's log-det is exact and enters the bounds: with s = 3, Lemma 5.5 shifts by d·log 3.
    func testActNormLogDetRangeIsExact() throws {
        let g = Graph()
        let act = ActNorm(dataInitialization: false)
        let m = try model([act, Residual([Dense(units: 4, constraint: LipschitzConstraint(coefficient: 0.5)), Activation.tanh(),
                                          Dense(units: 2, constraint: LipschitzConstraint(coefficient: 0.5))])], graph: g)
        let store = VariableStore<Float>(g)
        store.assign(act.scale!, Tensor(shape: [2], scalars: [3, 3]))
        m.refreshSpectralNorms(store)
        let flow = try Flow(m, requirement: .density)
        let (lower, upper) = flow.logDetBounds(VariableStore<Double>(converting: store))
        let L = LipschitzVerification.verify(flow, variables: store)[0].measured
        XCTAssertEqual(lower, 2 * log(3) + 2 * log(1 - L), accuracy: 1e-9)
        XCTAssertEqual(upper, 2 * log(3) + 2 * log(1 + L), accuracy: 1e-9)
    }
}

extension FlowCheckLibraryTests {
    /// A small convolution's norm from its operator matrix (SVD) equals the power
    /// iteration's on the operator, for 1-D and strided 2-D convolutions.
    func testExactConvolutionNormMatchesPowerIteration() throws {
        var rng = RandomGenerator(seed: 4)
        for (dims, input, stride) in [(1, [3, 10], 1), (2, [2, 6, 6], 2), (2, [2, 5, 5], 1)] {
            let conv = try Convolution(dimensions: dims, channels: 3, kernel: 3, stride: stride)
            let g = Graph()
            _ = try Model(name: "c", inputShape: input, layers: [conv], graph: g, seed: 1)
            let w = Tensor<Double>.randomNormal([3, input[0]] + Array(repeating: 3, count: dims), rng: &rng)
            let exact = LipschitzVerification.convolutionNorm(w, conv: conv, inputShape: input)
            let iterated = LipschitzVerification.iteratedConvolutionNorm(w, conv: conv, inputShape: input, start: nil)
            XCTAssertEqual(exact, iterated, accuracy: 1e-8 * exact, "\(dims)-D \(input) stride \(stride)")
        }
    }
}

extension FlowCheckLibraryTests {
    /// Subspace iteration on an operator too large for the exact path (1,152 input values)
    /// finds the norm and the top left singular vector of the explicit operator matrix.
    func testSubspaceIterationMatchesTheOperatorMatrixSVD() throws {
        var rng = RandomGenerator(seed: 8)
        let input = [8, 12, 12]
        for (stride, padding) in [(1, 1), (2, 0)] {
            let conv = try Convolution(dimensions: 2, channels: 4, kernel: 3, stride: stride, padding: padding)
            _ = try Model(name: "c", inputShape: input, layers: [conv], graph: Graph(), seed: 1)
            let w = Tensor<Double>.randomNormal([4, 8, 3, 3], rng: &rng)
            // The explicit matrix Aᵀ [n, outputs], built from the images of the unit vectors.
            let n = input.reduce(1, *)
            let g = Graph()
            var eye = Tensor<Double>.zeros([n, n])
            for i in 0..<n { eye[i, i] = 1 }
            let image = g.constant(eye.reshaped([n] + input)).conv2d(g.constant(w), stride: stride, padding: padding)
            let transposed = g.evaluate([image], as: Double.self)[0]
            let r = try svd(transposed.reshaped([n, transposed.count / n]))
            let top = OperatorSubspaceIteration.top(w, conv: conv, inputShape: input, start: nil)
            XCTAssertEqual(top.sigma, r.s[0], accuracy: 1e-10 * r.s[0], "stride \(stride)")
            XCTAssertEqual(LipschitzVerification.convolutionNorm(w, conv: conv, inputShape: input), r.s[0], accuracy: 1e-10 * r.s[0])
            // u is A's top left singular vector (Vᵀ's first row), up to sign.
            let dot = zip(top.u.scalars, (0..<top.u.count).map { r.vt[0, $0] }).map(*).reduce(0, +)
            XCTAssertEqual(abs(dot), 1, accuracy: 1e-9, "stride \(stride)")
        }
    }
}
