import Foundation
import XCTest
import NetRuntime
import NetTestSupport
@testable import NetLang

/// docs/architecture.md claims a planned step allocates nothing per run: all buffers,
/// workspaces and optimiser state are made at planning time. These tests count every
/// heap allocation of the process (interposed malloc, `AllocationCounter`) while steps
/// run, after a first step that may still set things up.
final class TrainingStepAllocationTests: XCTestCase {
    override func setUpWithError() throws {
        try XCTSkipUnless(AllocationCounter.isAvailable, "heap allocations are counted on Linux with glibc only")
    }

    /// The counter sees Swift allocations, so a zero below means something.
    func testCounterSeesAllocations() {
        var kept: [[Int]] = []
        let n = AllocationCounter.allocations(attempts: 1) { for i in 0..<10 { kept.append([Int](repeating: i, count: 1000)) } }
        XCTAssertGreaterThanOrEqual(n, 10)
        XCTAssertEqual(kept.count, 10)
    }

    func testPlannedMLPStepAllocatesNothingAfterTheFirst() throws {
        try assertStepsAllocateNothing("""
        data blobs = generate("blobs", n: 256, seed: 1)
        model mlp(input: [2]) { dense(32) relu dense(32) tanh dense(3) }
        train mlp on blobs { loss cross_entropy(mlp(x), y)  optimizer adam(lr: 1e-3)  epochs 1  batch 64 }
        """)
    }

    /// An i-ResNet flow: spectral normalisation (power-iteration state updates), the
    /// 5-term power-series log-det with a Hutchinson probe (random numbers every run) and
    /// its second-order gradient.
    func testPlannedFlowStepAllocatesNothingAfterTheFirst() throws {
        try assertStepsAllocateNothing("""
        data toy = generate("8gaussians", n: 256, seed: 0)
        model flow(input: [2]) {
          repeat 2 { actnorm  residual lipschitz(c: 0.9) { dense(16) elu dense(2) } }
        }
        train flow on toy { loss flow_nll(flow, x, terms: 5)  optimizer adam(lr: 1e-3)  epochs 1  batch 64 }
        """)
    }

    /// Large enough for the kernels' threaded paths (≥ 65,536 elements), run on one
    /// thread: with two, OpenBLAS's threaded sgemm mallocs its job buffer (512 KB) at every
    /// call of a large matrix product — outside NetLang; the threaded elementwise kernels
    /// themselves allocate nothing (`testThreadedElementwiseStepAllocatesNothing`).
    func testPlannedLargeStepAllocatesNothingAfterTheFirstOnOneThread() throws {
        setComputeThreads(1)
        defer { setComputeThreads(ProcessInfo.processInfo.activeProcessorCount) }
        try assertStepsAllocateNothing("""
        data blobs = generate("blobs", n: 512, seed: 1)
        model wide(input: [2]) { dense(256) relu dense(256) tanh dense(3) }
        train wide on blobs { loss cross_entropy(wide(x), y)  optimizer adam(lr: 1e-3)  epochs 1  batch 512 }
        """)
    }

    /// Elementwise ops, broadcasts and sums over 2 × 131,072 values split between two
    /// threads by `parallelFor` (a persistent pool), with no matrix product. In
    /// unoptimised builds `withoutActuallyEscaping` (handing a kernel's closure to the
    /// pool) heap-allocates a thunk per threaded call, so this checks optimised builds
    /// (`swift test -c release -Xswiftc -enable-testing`); `DispatchQueue.concurrentPerform`,
    /// used before, allocated per call in any build (its Swift overlay boxes the closure).
    func testThreadedElementwiseStepAllocatesNothing() throws {
        #if DEBUG
        let unoptimised = true
        #else
        let unoptimised = false
        #endif
        try XCTSkipIf(unoptimised, "unoptimised builds allocate a withoutActuallyEscaping thunk per threaded kernel call")
        setComputeThreads(2)
        defer { setComputeThreads(ProcessInfo.processInfo.activeProcessorCount) }
        let g = Graph()
        var rng = RandomGenerator(seed: 4)
        let x = g.input("x", shape: [512, 256])
        let scale = g.variable("scale", .randomNormal([256], rng: &rng))
        let shift = g.variable("shift", .zeros([1, 256]))
        let loss = ((x * scale + shift).tanh().square() + x.sigmoid()).mean()
        let step = TrainingStep<Float>(loss: loss, makeOptimizer: { Adam(parameterSizes: $0) })
        step.executor.setInput(x, Tensor<Float>.randomNormal([512, 256], rng: &rng))
        step.run()
        let n = AllocationCounter.allocations { for _ in 0..<5 { step.run() } }
        XCTAssertEqual(n, 0, "5 threaded steps allocated \(n) times")
    }

    /// The whole `TrainingStep.run()`: forward, backward and the optimiser's update in
    /// place, for each optimiser.
    func testTrainingStepRunWithEachOptimizerAllocatesNothing() {
        let optimizers: [(String, ([Int]) -> Optimizer<Float>)] = [
            ("sgd", { SGD(parameterSizes: $0, learningRate: 0.1, momentum: 0.9, nesterov: true) }),
            ("adam", { Adam(parameterSizes: $0, learningRate: 1e-3) }),
            ("adamax", { Adamax(parameterSizes: $0, learningRate: 1e-3) }),
        ]
        for (name, make) in optimizers {
            let g = Graph()
            var rng = RandomGenerator(seed: 3)
            let x = g.input("x", shape: [32, 8])
            let w = g.variable("w", .randomNormal([8, 4], rng: &rng))
            let b = g.variable("b", .zeros([4]))
            let loss = (x.matmul(w) + b).tanh().square().mean()
            let step = TrainingStep<Float>(loss: loss, makeOptimizer: make)
            step.executor.setInput(x, Tensor<Float>.randomNormal([32, 8], rng: &rng))
            step.run()
            let n = AllocationCounter.allocations { for _ in 0..<5 { step.run() } }
            XCTAssertEqual(n, 0, "\(name): 5 training steps allocated \(n) times")
        }
    }

    private func assertStepsAllocateNothing(_ script: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let interpreter = Interpreter(seed: 0)
        interpreter.output = { _ in }
        interpreter.progress.enabled = false
        let training = try interpreter.compileTrainingScript(SourceFile(name: "step.net", text: script))
        for (executor, _) in training.stepExecutors { executor.run() }
        try training.runStep()
        for (executor, loss) in training.stepExecutors {
            let planned = AllocationCounter.allocations { for _ in 0..<5 { executor.run() } }
            XCTAssertTrue(executor.scalar(loss).isFinite, file: file, line: line)
            guard planned != 0 else { continue }
            // Name the kernels that allocate, with allocations per run.
            var culprits: [String: Int] = [:]
            for (name, kernel) in executor.namedKernels {
                let n = AllocationCounter.allocations { kernel() }
                if n > 0 { culprits[name, default: 0] += n }
            }
            let report = culprits.sorted { $0.value > $1.value }.map { "\($0.key): \($0.value)" }.joined(separator: ", ")
            XCTFail("5 runs of the planned step allocated \(planned) times; per run: \(report)", file: file, line: line)
        }
    }
}
