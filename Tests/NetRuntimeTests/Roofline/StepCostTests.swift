import XCTest
@testable import NetRuntime

/// The roofline account's work count (issue 27): the FLOP of a training step counted from
/// its plan against a hand count, the GEMM shapes of every product op against its
/// multiply-adds, and the bound's arithmetic.
final class StepCostTests: XCTestCase {
    /// WORKLOADS.md's mlp: 784-512-512-10 on a batch of 128, SGD with momentum.
    private func mlpStep() -> TrainingStep<Float> {
        var rng = RandomGenerator(seed: 2)
        let g = Graph()
        let x = g.input("x", shape: [128, 784]), y = g.input("y", shape: [128])
        func dense(_ h: Node, _ fanIn: Int, _ out: Int) -> Node {
            let w = g.variable("w", .randomUniform([out, fanIn], low: -0.05, high: 0.05, rng: &rng))
            let b = g.variable("b", .randomUniform([out], low: -0.05, high: 0.05, rng: &rng))
            return h.linear(w, bias: b)
        }
        let loss = dense(dense(dense(x, 784, 512).relu(), 512, 512).relu(), 512, 10).crossEntropy(labels: y)
        return TrainingStep<Float>(loss: loss) { SGD(parameterSizes: $0, learningRate: 0.01, momentum: 0.9) }
    }

    func testMLPTrainingStepFLOPMatchesTheHandCount() {
        let cost = StepCost(trainingSteps: [mlpStep()])
        // Forward: 128·(784·512 + 512·512 + 512·10) multiply-adds. Backward: every weight
        // gradient costs its layer's forward product again; the input gradients of layers 2
        // and 3 as well, that of layer 1 not (x is data).
        let forward = 128 * (784 * 512 + 512 * 512 + 512 * 10)
        let inputGradients = 128 * (512 * 512 + 512 * 10)
        XCTAssertEqual(cost.productFLOP, 2 * (2 * forward + inputGradients))
        XCTAssertEqual(cost.productFLOP, 410_779_648)
        // The products by shape: each layer's forward (m = 128), weight gradient (k = 128)
        // and, for layers 2 and 3, input gradient.
        XCTAssertEqual(cost.productMultiplyAdds[GemmShape(m: 128, n: 512, k: 784)], 128 * 512 * 784)
        XCTAssertEqual(cost.productMultiplyAdds.values.reduce(0, +), 2 * forward + inputGradients)
        // The compulsory bytes hold at least the parameters read and written, SGD's momentum
        // read and written, and the batch read.
        let parameters = 669_706
        XCTAssertGreaterThanOrEqual(cost.compulsoryBytes, 4 * (4 * parameters + 128 * 784 + 128))
        XCTAssertLessThan(cost.compulsoryBytes, 4 * (4 * parameters + 128 * 784 + 128) + 4096)
        XCTAssertGreaterThan(cost.kernelTrafficBytes, cost.compulsoryBytes)
    }

    /// Every product op's GEMM shapes add up to its multiply-adds, and a convolution's to the
    /// hand count outputs × C_in·k_h·k_w (strided and padded).
    func testGemmShapesAddUpToTheMultiplyAdds() {
        let window = ConvWindow(stride: (2, 2), padding: (1, 1))
        let x = [2, 3, 9, 9], w = [4, 3, 3, 3], dy = [2, 4, 5, 5]
        let ops: [(any ProductWork, [[Int]])] = [
            (Conv2DOp(window: window), [x, w, [4]]),
            (Conv2DBackwardInputOp(window: window, inputHeight: 9, inputWidth: 9), [dy, w]),
            (Conv2DBackwardWeightOp(window: window, kernelHeight: 3, kernelWidth: 3), [x, dy]),
            (MatmulOp(transposeA: true, transposeB: false), [[3, 7, 5], [3, 7, 6]]),
            (LinearOp(), [[10, 6], [4, 6], [4]]),
            (DenseChainOp(activations: [.relu, nil]), [[10, 6], [8, 6], [8], [2, 8], [2]]),
        ]
        for (op, shapes) in ops {
            let total = op.gemmShapes(shapes).map(\.multiplyAdds).reduce(0, +)
            XCTAssertEqual(total, op.multiplyAdds(shapes), "\(op.name)")
        }
        // Output 5×5 per image and channel: 2·4·25 outputs, each 3·3·3 multiply-adds.
        XCTAssertEqual(Conv2DOp(window: window).gemmShapes([x, w]).map(\.multiplyAdds).reduce(0, +), 2 * 4 * 25 * 27)
        XCTAssertEqual(MatmulOp(transposeA: true, transposeB: false).gemmShapes([[3, 7, 5], [3, 7, 6]]),
                       [GemmShape(m: 5, n: 6, k: 7, count: 3)])
    }

    func testTheBoundIsTheSlowerOfComputeAndMemory() {
        var cost = StepCost()
        let shape = GemmShape(m: 100, n: 100, k: 100)
        cost.productMultiplyAdds[shape] = 1_000_000         // 2 MFLOP
        cost.elementwiseOperations = 1_000_000
        cost.compulsoryBytes = 10_000_000
        let roofline = Roofline(cost: cost, sgemmGFLOPS: [shape: 2], streamGBps: 10, elementwiseGps: 1, peakSgemmGFLOPS: 4)
        XCTAssertEqual(roofline.productSeconds, 1e-3, accuracy: 1e-12)        // 2e6 / 2e9
        XCTAssertEqual(roofline.computeSeconds, 2e-3, accuracy: 1e-12)        // + 1e6 / 1e9
        XCTAssertEqual(roofline.memorySeconds, 1e-3, accuracy: 1e-12)         // 1e7 / 1e10
        XCTAssertEqual(roofline.boundSeconds, 2e-3, accuracy: 1e-12)
        XCTAssertEqual(roofline.boundBy, "compute")
        XCTAssertEqual(roofline.fraction(ofStepSeconds: 4e-3), 0.5, accuracy: 1e-12)
        XCTAssertEqual(roofline.peakBoundSeconds, 1.5e-3, accuracy: 1e-12)   // 2e6 / 4e9 + 1e-3
        let slowMemory = Roofline(cost: cost, sgemmGFLOPS: [shape: 2], streamGBps: 1, elementwiseGps: 1, peakSgemmGFLOPS: 4)
        XCTAssertEqual(slowMemory.boundBy, "memory")
        XCTAssertEqual(slowMemory.boundSeconds, 1e-2, accuracy: 1e-12)
    }

    /// The measured peaks are finite and positive (their size depends on the machine).
    func testMachinePeaksAreMeasured() {
        let saved = (MachinePeaks.minimumSeconds, MachinePeaks.batches)
        (MachinePeaks.minimumSeconds, MachinePeaks.batches) = (0.002, 1)
        defer { (MachinePeaks.minimumSeconds, MachinePeaks.batches) = saved }
        for value in [MachinePeaks.sgemmGFLOPS(GemmShape(m: 64, n: 64, k: 64)), MachinePeaks.streamBandwidth(elements: 1 << 20),
                      MachinePeaks.elementwiseRate(), MachinePeaks.sgemmGFLOPS(GemmShape(m: 8, n: 300, k: 30))] {
            XCTAssert(value.isFinite && value > 0, "\(value)")
        }
    }
}
