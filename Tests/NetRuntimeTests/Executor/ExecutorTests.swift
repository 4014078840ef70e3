import XCTest
@testable import NetRuntime

final class ExecutorTests: XCTestCase {
    /// The profile's GFLOP/s come from each op's multiply-add count: m·n·k for products and
    /// dense layers (summed over a fused chain's layers), outputs × C_in·k_h·k_w for the
    /// three convolution kernels; elementwise kernels report no rate.
    func testProfileCountsMultiplyAddsOfProductsLayersAndConvolutions() {
        XCTAssertEqual(MatmulOp(transposeA: true, transposeB: false).multiplyAdds([[7, 5], [7, 3]]), 5 * 3 * 7)
        XCTAssertEqual(MatmulOp(transposeA: false, transposeB: false).multiplyAdds([[4, 5, 6], [4, 6, 2]]), 4 * 5 * 6 * 2)
        XCTAssertEqual(LinearOp().multiplyAdds([[10, 3], [4, 3], [4]]), 10 * 4 * 3)
        XCTAssertEqual(DenseChainOp(activations: [.elu(1), nil]).multiplyAdds([[10, 3], [4, 3], [4], [2, 4], [2]]), 10 * (4 * 3 + 2 * 4))
        let window = ConvWindow(stride: (1, 1), padding: (1, 1))
        // x [2, 3, 8, 8], w [5, 3, 3, 3] → y [2, 5, 8, 8]: 640 outputs × 27.
        XCTAssertEqual(Conv2DOp(window: window).multiplyAdds([[2, 3, 8, 8], [5, 3, 3, 3]]), 640 * 27)
        XCTAssertEqual(Conv2DBackwardInputOp(window: window, inputHeight: 8, inputWidth: 8).multiplyAdds([[2, 5, 8, 8], [5, 3, 3, 3]]), 640 * 27)
        XCTAssertEqual(Conv2DBackwardWeightOp(window: window, kernelHeight: 3, kernelWidth: 3).multiplyAdds([[2, 3, 8, 8], [2, 5, 8, 8]]), 640 * 27)
        XCTAssertNil(UnaryOp(function: .tanh).multiplyAdds([[3]]))

        let g = Graph()
        let a = g.input("a", shape: [64, 32]), b = g.input("b", shape: [32, 48])
        let out = a.matmul(b).tanh()
        let profile = Executor<Float>(graph: g, outputs: [out]).profile(runs: 2)
        let product = profile.first { $0.kernel == "matmul[64, 48]" }, tanh = profile.first { $0.kernel == "tanh[64, 48]" }
        XCTAssertEqual(product?.count, 1)
        XCTAssertNil(tanh?.gflops)
        guard let product, let rate = product.gflops else { return XCTFail("no rate for the product: \(profile)") }
        XCTAssertEqual(rate, 2 * Double(64 * 32 * 48) / (product.ms * 1e-3) / 1e9, accuracy: rate * 1e-9)
    }

    func testRepeatedRunsAreStableAndReuseBuffers() {
        let g = Graph()
        let x = g.input("x", shape: [64, 64])
        var h = x
        for _ in 0..<10 { h = (h * 0.5).tanh() + 1 }
        let out = h.sum()
        let exec = Executor<Double>(graph: g, outputs: [out])
        var rng = RandomGenerator(seed: 1)
        exec.setInput(x, .randomNormal([64, 64], rng: &rng))
        exec.run()
        let first = exec.scalar(out)
        for _ in 0..<5 { exec.run() }
        XCTAssertEqual(exec.scalar(out), first)
        // 30 intermediates of 4096 numbers; liveness lets a handful of buffers serve them all.
        XCTAssertLessThan(exec.arenaBytes, 4 * 4096 * MemoryLayout<Double>.stride)
        XCTAssertEqual(exec.kernelCount, 31)
    }

    /// Convolutions take their column matrices from the executor's shared scratch: its size
    /// is that of the largest one, not the sum, and the results equal each convolution
    /// planned alone.
    func testKernelsShareTransientScratch() {
        let g = Graph()
        let x = g.input("x", shape: [2, 3, 9, 9])
        var rng = RandomGenerator(seed: 4)
        let weights = (0..<4).map { i in g.constant(.randomNormal([3, 3, 3, 3], rng: &rng)) }
        // Strided convolutions take the im2col path, which needs a column matrix.
        var h = x
        var outputs: [Node] = []
        for w in weights {
            h = h.conv2d(w, stride: 2, padding: 1).tanh()     // 9 → 5 → 3 → 2 → 1
            outputs.append(h.sum())
        }
        let exec = Executor<Double>(graph: g, outputs: outputs)
        let input = Tensor<Double>.randomNormal([2, 3, 9, 9], rng: &rng)
        exec.setInput(x, input)
        exec.run()
        let one = try! ConvWindow(stride: (2, 2), padding: (1, 1)).geometry(x: [2, 3, 9, 9], w: [3, 3, 3, 3], op: "conv").workspaceCount   // the largest
        XCTAssertGreaterThan(one, 0)
        XCTAssertLessThanOrEqual(exec.scratchBytes, (one + 8) * MemoryLayout<Double>.stride, "one column matrix, not four")
        XCTAssertGreaterThan(exec.scratchBytes, 0)
        // The same values from executors that each hold one convolution.
        var current = input
        for (i, w) in weights.enumerated() {
            let g1 = Graph()
            let xi = g1.input("x", shape: current.shape)
            let wi = g1.constant(g.evaluate([w], as: Double.self)[0])
            let yi = xi.conv2d(wi, stride: 2, padding: 1).tanh()
            current = g1.evaluate([yi], as: Double.self, inputs: [xi: current])[0]
            XCTAssertEqual(exec.scalar(outputs[i]), current.scalars.reduce(0, +), accuracy: 1e-9)
        }
    }

    func testVariableUpdatesRunAfterTheStep() {
        let g = Graph()
        let counter = g.variable("counter", Tensor(0), trainable: false)
        let next = counter + 1
        let exec = Executor<Double>(graph: g, outputs: [counter * 10], updates: [(counter, next)])
        exec.run(); exec.run(); exec.run()
        XCTAssertEqual(exec.variables.value(counter).scalars, [3])
        XCTAssertEqual(exec.value(exec.outputs[0]).scalars, [20])
    }

    func testReshapeAliasesWithoutCopy() {
        let g = Graph()
        let x = g.constant(Tensor(shape: [2, 3], scalars: [1, 2, 3, 4, 5, 6]))
        let r = x.reshaped([3, 2]).exp().reshaped([-1])
        let out = g.evaluate([r], as: Double.self)[0]
        XCTAssertEqual(out.shape, [6])
        XCTAssertEqual(out.scalars[5], Foundation.exp(6), accuracy: 1e-12)
    }

    func testRandomNodesAreSeededAndFreshEachRun() {
        func draws(seed: UInt64) -> [[Double]] {
            let g = Graph()
            let r = g.random(.normal(mean: 0, std: 1), shape: [4])
            let exec = Executor<Double>(graph: g, outputs: [r], seed: seed)
            return (0..<2).map { _ in exec.run(); return exec.value(r).scalars }
        }
        let a = draws(seed: 5), b = draws(seed: 5), c = draws(seed: 6)
        XCTAssertEqual(a, b)
        XCTAssertNotEqual(a[0], a[1])
        XCTAssertNotEqual(a, c)
    }

    func testDropoutKeepsExpectation() {
        let g = Graph()
        let x = g.constant(1, shape: [100_000])
        let d = x.dropout(0.3)
        let out = g.evaluate([d], as: Double.self, seed: 3)[0]
        let kept = out.scalars.filter { $0 != 0 }
        XCTAssertEqual(Double(kept.count) / 100_000, 0.7, accuracy: 0.01)
        XCTAssertEqual(kept[0], 1 / 0.7, accuracy: 1e-12)
        XCTAssertEqual(out.scalars.reduce(0, +) / 100_000, 1, accuracy: 0.02)
    }

    func testGradientOfUnrelatedInputIsZero() {
        let g = Graph()
        let x = g.input("x", shape: [3]), y = g.input("y", shape: [2])
        let grads = g.gradients(of: x.square().sum(), wrt: [x, y])
        let out = g.evaluate(grads, as: Double.self, inputs: [x: Tensor(shape: [3], scalars: [1, 2, 3])])
        XCTAssertEqual(out[0].scalars, [2, 4, 6])
        XCTAssertEqual(out[1].scalars, [0, 0])
    }

    func testTrainingStepTakesGradientsNotAliasedToParameters() {
        // d(sum(a*b))/da = b: a gradient that is itself a variable must not be overwritten
        // by the optimiser while it is read.
        let g = Graph()
        let a = g.variable("a", Tensor(shape: [2], scalars: [1, 2]))
        let b = g.variable("b", Tensor(shape: [2], scalars: [3, 4]))
        let step = TrainingStep<Double>(loss: (a * b).sum()) { SGD(parameterSizes: $0, learningRate: 0.1) }
        step.run()
        XCTAssertEqual(step.executor.variables.value(a).scalars, [1 - 0.3, 2 - 0.4])
        XCTAssertEqual(step.executor.variables.value(b).scalars, [3 - 0.1, 4 - 0.2])
    }
}
import Foundation
