import XCTest
import NetRuntime
@testable import NetLibrary

/// `LayerNorms` against explicit operator matrices built here by naive loops and their
/// SVD, and against `check_lipschitz`'s measurement (`LipschitzVerification`).
final class LayerNormsTests: XCTestCase {
    func build(_ layers: [Layer], input: [Int], graph: Graph = Graph(), seed: UInt64 = 3) throws -> (Model, VariableStore<Double>) {
        let m = try Model(name: "m", inputShape: input, layers: layers, graph: graph, seed: seed)
        return (m, VariableStore<Double>(converting: VariableStore<Float>(graph)))
    }

    /// The matrix [out, in] of a bias-free 2-D convolution, tap by tap.
    func convolutionMatrix(_ w: Tensor<Double>, input: [Int], stride: Int, padding: Int) -> Tensor<Double> {
        let (co, ci, k) = (w.shape[0], w.shape[1], w.shape[2])
        let (h, wd) = (input[1], input[2])
        let ho = (h + 2 * padding - k) / stride + 1, wo = (wd + 2 * padding - k) / stride + 1
        var a = Tensor<Double>.zeros([co * ho * wo, ci * h * wd])
        for o in 0..<co { for i in 0..<ho { for j in 0..<wo {
            for c in 0..<ci { for p in 0..<k { for q in 0..<k {
                let r = i * stride + p - padding, s = j * stride + q - padding
                guard r >= 0, r < h, s >= 0, s < wd else { continue }
                a[(o * ho + i) * wo + j, (c * h + r) * wd + s] += w.scalars[((o * ci + c) * k + p) * k + q]
            } } }
        } } }
        return a
    }

    /// Stride 1 and 2, padding 0 and 1; inputs below and above the exact-SVD limit (1,024
    /// values), so both the SVD of the operator's matrix and the power iteration on the
    /// operator are checked. The reshaped kernel's norm differs: that is not the operator's.
    func testConvolutionNormIsTheOperatorNorm() throws {
        for (input, stride, padding) in [([2, 6, 6], 1, 0), ([2, 6, 6], 1, 1), ([2, 7, 7], 2, 0), ([2, 7, 7], 2, 1),
                                         ([3, 20, 20], 1, 1), ([3, 21, 21], 2, 1)] {
            let conv = try Convolution(dimensions: 2, channels: 4, kernel: 3, stride: stride, padding: padding)
            let (m, store) = try build([conv], input: input)
            let w = store.value(conv.weight!)
            let expected = try spectralNorm(convolutionMatrix(w, input: input, stride: stride, padding: padding))
            let norms = LayerNorms.measure(m, variables: store)
            XCTAssertEqual(norms.rows.map(\.name), ["conv2d1"])
            XCTAssertEqual(norms.rows[0].norm, expected, accuracy: 1e-9 * expected, "\(input) stride \(stride) padding \(padding)")
            let kernelNorm = try spectralNorm(w.reshaped([4, w.count / 4]))
            XCTAssertGreaterThan(abs(kernelNorm - expected), 1e-3, "the reshaped kernel's norm is another number")
            XCTAssertNotNil(norms.notInvertible, "a top-level convolution has no inverse")
        }
    }

    /// A locally connected layer against its matrix (weights differ per position).
    func testLocallyConnectedNorm() throws {
        for (length, stride, padding) in [(12, 1, 0), (12, 2, 1), (700, 2, 1)] {
            let layer = try LocallyConnected(channels: 3, kernel: 3, stride: stride, padding: padding)
            let (m, store) = try build([layer], input: [2, length])
            let w = store.value(layer.weight!)          // [L_out, C_out, C_in·k]
            let lo = (length + 2 * padding - 3) / stride + 1
            var a = Tensor<Double>.zeros([3 * lo, 2 * length])
            for i in 0..<lo { for o in 0..<3 { for c in 0..<2 { for j in 0..<3 {
                let r = i * stride - padding + j
                guard r >= 0, r < length else { continue }
                a[o * lo + i, c * length + r] += w.scalars[(i * 3 + o) * 6 + c * 3 + j]
            } } } }
            let expected = try spectralNorm(a)
            XCTAssertEqual(LayerNorms.measure(m, variables: store).rows[0].norm, expected, accuracy: 1e-9 * expected, "length \(length)")
        }
    }

    /// Constrained layers: the same numbers as check_lipschitz; per block the product, and
    /// the verdict of Thm. 4.1.
    func testConstrainedLayersMatchCheckLipschitz() throws {
        let c = LipschitzConstraint(coefficient: 0.7)
        let g = Graph()
        let (m, store) = try build([PadChannels(2), Residual([try Convolution(dimensions: 2, channels: 6, kernel: 3, constraint: c), Activation.elu(),
                                                            try Convolution(dimensions: 2, channels: 3, kernel: 3, stride: 1, constraint: c)]),
                                    Squeeze(), Residual([try Convolution(dimensions: 2, channels: 12, kernel: 3, constraint: c), Activation.sigmoid(), try Convolution(dimensions: 2, channels: 12, kernel: 3, constraint: c)])],
                                   input: [1, 4, 4], graph: g)
        let norms = LayerNorms.measure(m, variables: store)
        let flow = try Flow(m, requirement: .invertible)
        let reports = flow.lipschitzReports(store).map(\.report)
        let checked = reports.flatMap(\.rows)
        for row in checked {
            let mine = try XCTUnwrap(norms.rows.first { $0.name == row.name })
            XCTAssertEqual(mine.norm, row.measured, accuracy: 1e-12 * max(1, row.measured), row.name)
            XCTAssertEqual(mine.c, row.nominal)
            XCTAssertEqual(mine.block, String(row.name.prefix { $0 != "." }))
        }
        XCTAssertEqual(norms.blocks[0].lipschitz, reports[0].measured, accuracy: 1e-12)
        XCTAssertNil(norms.notInvertible)
    }

    /// BatchNorm at inference is the diagonal map γ/√(var + ε): its norm is the largest
    /// entry, checked against the matrix of the layer's linear part.
    func testBatchNormIsADiagonal() throws {
        let bn = BatchNorm()
        let g = Graph()
        let (m, _) = try build([Residual([Dense(units: 3), bn])], input: [3], graph: g)
        let floatStore = VariableStore<Float>(g)
        floatStore.assign(bn.gamma!, Tensor(shape: [3], scalars: [0.5, -2, 1]))
        floatStore.assign(bn.runningVariance!, Tensor(shape: [3], scalars: [0.25, 4, 9]))
        floatStore.assign(bn.runningMean!, Tensor(shape: [3], scalars: [1, 2, 3]))
        let store = VariableStore<Double>(converting: floatStore)
        // The linear part from unit vectors: bn(eᵢ) − bn(0).
        let eye = g.constant(Tensor(shape: [4, 3], scalars: [0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1]))
        let images = g.evaluate([bn.apply(eye, ApplyContext(training: false))], as: Double.self, variables: store)[0].scalars
        var a = Tensor<Double>.zeros([3, 3])
        for i in 0..<3 { for j in 0..<3 { a[j, i] = images[(i + 1) * 3 + j] - images[j] } }
        let expected = try spectralNorm(a)
        XCTAssertEqual(expected, 2 / (4 + 1e-5).squareRoot(), accuracy: 1e-6, "|γ|/√(var + ε) for channel 2")
        let row = try XCTUnwrap(LayerNorms.measure(m, variables: store).rows.first { $0.kind == "batchnorm" })
        XCTAssertEqual(row.norm, expected, accuracy: 1e-6)
        XCTAssertNil(row.c)
    }

    /// A dense layer: ‖W‖₂ by naive power iteration on WᵀW; an unconstrained block with a
    /// large weight is not guaranteed invertible, a top-level dense is not invertible.
    func testDenseAndVerdicts() throws {
        let dense = Dense(units: 4)
        let g = Graph()
        let (m, _) = try build([Residual([dense]), Flatten(), Dense(units: 2)], input: [4], graph: g)
        let floatStore = VariableStore<Float>(g)
        floatStore.assign(dense.weight!, Tensor(shape: [4, 4], scalars: [3, 1, 0, 0, 1, 2, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0.5]))
        let store = VariableStore<Double>(converting: floatStore)
        let w = store.value(dense.weight!).scalars
        var v = [1.0, 0.3, 0.2, 0.1], sigma = 0.0
        for _ in 0..<500 {
            let n = v.map { $0 * $0 }.reduce(0, +).squareRoot()
            v = v.map { $0 / n }
            let av = (0..<4).map { i in (0..<4).map { w[i * 4 + $0] * v[$0] }.reduce(0, +) }
            sigma = av.map { $0 * $0 }.reduce(0, +).squareRoot()
            v = (0..<4).map { j in (0..<4).map { w[$0 * 4 + j] * av[$0] }.reduce(0, +) }
        }
        let norms = LayerNorms.measure(m, variables: store)
        XCTAssertEqual(norms.rows.map(\.name), ["residual1.dense1", "dense1"])
        XCTAssertEqual(norms.rows[0].norm, sigma, accuracy: 1e-9)
        XCTAssertEqual(norms.blocks[0].lipschitz, sigma, accuracy: 1e-9)
        XCTAssertNotNil(norms.blocks[0].problem)
        XCTAssertTrue(norms.notInvertible?.contains("residual1") ?? false, norms.notInvertible ?? "")
    }
}
