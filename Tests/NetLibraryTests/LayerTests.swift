import XCTest
import NetRuntime
@testable import NetLibrary

final class LayerTests: XCTestCase {
    /// NetLibrary is built without overflow traps: shape products that do not fit in an
    /// Int must be errors, not wrapped sizes (2³² · 2³² wraps to 0).
    func testShapeLayersRefuseSizesThatOverflow() {
        let huge = [1 << 32, 1 << 32]
        XCTAssertThrowsError(try Flatten().outputShape(for: huge)) {
            XCTAssertEqual(($0 as? LayerError)?.message, "flatten: [4294967296, 4294967296] holds too many values")
        }
        XCTAssertThrowsError(try Reshape([1]).outputShape(for: huge))
        XCTAssertThrowsError(try Reshape(huge).outputShape(for: [1])) {
            XCTAssertEqual(($0 as? LayerError)?.message, "cannot reshape [1] (1 values) to [4294967296, 4294967296] (too many values)")
        }
        XCTAssertEqual(try Flatten().outputShape(for: [3, 4, 5]), [60])
        XCTAssertThrowsError(try ModelBuilder.checkOutputSize([10_001, 10_000], of: Flatten()))
        XCTAssertNoThrow(try ModelBuilder.checkOutputSize([10_000, 10_000], of: Flatten()))
    }

    func testMLPShapesParametersAndSummary() throws {
        let g = Graph()
        let model = try Model(name: "mlp", inputShape: [64], layers: [
            Dense(units: 128), Activation.relu(), Dense(units: 10),
        ], graph: g, seed: 0)
        XCTAssertEqual(model.outputShape, [10])
        XCTAssertEqual(model.parameterCount, 64 * 128 + 128 + 128 * 10 + 10)
        XCTAssertEqual(model.parameters.map { ($0.operation as! VariableOp).label },
                       ["mlp.dense1.weight", "mlp.dense1.bias", "mlp.dense2.weight", "mlp.dense2.bias"])
        XCTAssertTrue(model.summary().contains("total parameters: 9610"), model.summary())
    }

    func testShapeErrorsNameTheLayer() {
        let g = Graph()
        XCTAssertThrowsError(try Model(name: "m", inputShape: [1, 8, 8], layers: [Dense(units: 3)], graph: g, seed: 0)) { error in
            XCTAssertTrue("\(error)".contains("flatten"), "\(error)")
        }
        XCTAssertThrowsError(try Model(name: "m", inputShape: [3, 5], layers: [Squeeze()], graph: g, seed: 0))
    }

    /// A ResNet-style block that changes shape gets a projection shortcut; one that keeps
    /// it adds x itself.
    func testResidualProjection() throws {
        let g = Graph()
        let model = try Model(name: "r", inputShape: [4, 12], layers: [
            Residual([try Convolution(dimensions: 1, channels: 8, kernel: 3, stride: 3, padding: 1), Activation.relu(),
                      try Convolution(dimensions: 1, channels: 8, kernel: 3, padding: 1)]),
            Residual([try Convolution(dimensions: 1, channels: 8, kernel: 3, padding: 1)]),
        ], graph: g, seed: 0)
        XCTAssertEqual(model.outputShape, [8, 4])
        // Block 1: conv 4→8 k3 (96+8), conv 8→8 k3 (192+8), projection 4→8 k1 (32+8); block 2: 192+8.
        XCTAssertEqual(model.parameterCount, 104 + 200 + 40 + 200)
        let x = g.input("x", shape: [2, 4, 12])
        let y = model.apply(x, ApplyContext(training: false))
        XCTAssertEqual(y.shape, [2, 8, 4])
    }

    /// Power iteration on a convolution operator converges to the operator's exact norm,
    /// which we get from the SVD of the operator's matrix (built column by column).
    func testConvolutionSpectralNormIsTheOperatorNorm() throws {
        let g = Graph()
        let conv = try Convolution(dimensions: 2, channels: 3, kernel: 3, stride: 2, padding: 1,
                                   constraint: LipschitzConstraint(coefficient: 0.5, iterations: 1))
        let model = try Model(name: "c", inputShape: [2, 5, 5], layers: [conv], graph: g, seed: 3)
        let x = g.input("x", shape: [1, 2, 5, 5])
        let context = ApplyContext(training: true)
        _ = model.apply(x, context)
        let sn = SpectralNorm(convolutionWeight: conv.weight!, u: context.updates[0].variable, coefficient: 0.5,
                              inputShape: [2, 5, 5], stride: 2, padding: 1)
        let exec = Executor<Double>(graph: g, outputs: [sn.sigma], updates: [sn.update])
        for _ in 0..<300 { exec.run() }
        // The operator's matrix: column j = conv(e_j).
        let e = g.input("e", shape: [50, 2, 5, 5])
        let columns = e.conv2d(conv.weight!, stride: 2, padding: 1)
        var eye = Tensor<Double>.zeros([50, 2, 5, 5])
        for j in 0..<50 { eye.scalars[j * 50 + j] = 1 }
        let m = g.evaluate([columns], as: Double.self, inputs: [e: eye], variables: exec.variables)[0]
        let matrix = Tensor(shape: [50, 27], scalars: m.scalars)
        let exact = try spectralNorm(matrix)
        XCTAssertEqual(exec.scalar(sn.sigma), exact, accuracy: 1e-8 * exact)
        // The reshaped-kernel bound (eq. 4.8) is not what is normalised.
        let kernelNorm = try spectralNorm(exec.variables.value(conv.weight!).reshaped([3, 18]))
        XCTAssertNotEqual(kernelNorm, exact, accuracy: 1e-3)
    }

    func testActNormInitialisesFromData() throws {
        let g = Graph()
        let actnorm = ActNorm()
        _ = try Model(name: "a", inputShape: [2, 3], layers: [actnorm], graph: g, seed: 0)
        var rng = RandomGenerator(seed: 1)
        var batch = Tensor<Double>.randomNormal([5, 2, 3], rng: &rng)
        batch.scalars = batch.scalars.enumerated().map { $0.element * 3 + Double($0.offset % 6 < 3 ? 1 : -2) }
        let (scale, shift) = actnorm.initialize(from: batch)
        // After y = s·x + b each channel has mean 0 and variance 1.
        for c in 0..<2 {
            let ys = (0..<5).flatMap { n in (0..<3).map { batch[n, c, $0] * scale.scalars[c] + shift.scalars[c] } }
            let mean = ys.reduce(0, +) / 15
            XCTAssertEqual(mean, 0, accuracy: 1e-12)
            XCTAssertEqual(ys.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / 15, 1, accuracy: 1e-9)
        }
        XCTAssertFalse(actnorm.needsInitialization)
    }

    func testBatchNormTrainingAndInference() throws {
        let g = Graph()
        let bn = BatchNorm()
        let model = try Model(name: "b", inputShape: [3], layers: [bn], graph: g, seed: 0)
        let x = g.input("x", shape: [4, 3])
        let context = ApplyContext(training: true)
        let y = model.apply(x, context)
        let exec = Executor<Double>(graph: g, outputs: [y], updates: context.updates)
        exec.setInput(x, Tensor(shape: [4, 3], scalars: [1, 2, 3, 3, 2, 1, 5, 6, 7, 7, 6, 5]))
        exec.run()
        let out = exec.value(y)
        for c in 0..<3 { XCTAssertEqual((0..<4).map { out[$0, c] }.reduce(0, +), 0, accuracy: 1e-9) }
        XCTAssertEqual(exec.variables.value(bn.runningMean!).scalars[0], 0.1 * 4, accuracy: 1e-12)
    }

    /// The exact log-det through logabsdet of I + J matches a direct 2×2 computation, and the
    /// flow context collects one term per residual block and ActNorm.
    func testExactLogDetOfResidualBlock() throws {
        let g = Graph()
        let model = try Model(name: "f", inputShape: [2], layers: [
            ActNorm(dataInitialization: false),
            Residual([Dense(units: 8, constraint: LipschitzConstraint(coefficient: 0.9)), Activation.elu(), Dense(units: 2, constraint: LipschitzConstraint(coefficient: 0.9))]),
        ], graph: g, seed: 4)
        let x = g.input("x", shape: [3, 2])
        let context = ApplyContext(training: false, logDet: LogDetSettings(method: .exact))
        _ = model.apply(x, context)
        XCTAssertEqual(context.logDetTerms.count, 2)
        let values = g.evaluate(context.logDetTerms, as: Double.self, inputs: [x: Tensor(shape: [3, 2], scalars: [0.1, 0.2, -1, 0.5, 2, -0.3])])
        XCTAssertEqual(values[0].scalars, [0, 0, 0])
        XCTAssertTrue(values[1].scalars.allSatisfy { $0.isFinite && abs($0) < 2 * 0.9 * 2 }, "\(values[1])")
    }
}
