import XCTest
import NetTestSupport
@testable import NetRuntime

/// `DenseChainFusion` / `DenseChainOp`: fused plans against the unfused ops.
final class DenseChainFusionTests: XCTestCase {
    override func tearDown() {
        DenseChainFusion.isEnabled = true
        LinearOp.thinOutputKernel = ConvGeometry.directKernelsByDefault
        setComputeThreads(ProcessInfo.processInfo.activeProcessorCount)
    }

    /// An MLP on `rows` points: widths[0] → … → widths.last with the given activations.
    private struct Chain {
        let graph = Graph()
        let x: Node
        let output: Node
        init(rows: Int, widths: [Int], activations: [UnaryFunction?], seed: UInt64) {
            var rng = RandomGenerator(seed: seed)
            x = graph.input("x", shape: [rows, widths[0]])
            var h = x
            for (l, f) in activations.enumerated() {
                let scale = 1.5 / Double(widths[l]).squareRoot()
                let w = graph.constant(Tensor<Double>.randomNormal([widths[l + 1], widths[l]], std: scale, rng: &rng))
                let b = graph.constant(Tensor<Double>.randomNormal([widths[l + 1]], std: 0.3, rng: &rng))
                h = h.linear(w, bias: b)
                if let f { h = h.apply(f) }
            }
            output = h
        }

        /// The output planned with fusion on or off; whether the plan fused a chain.
        func evaluate<T: NetScalar>(_: T.Type, fused: Bool, input: Tensor<Double>) -> (Tensor<T>, Bool) {
            DenseChainFusion.isEnabled = fused
            defer { DenseChainFusion.isEnabled = true }
            let exec = Executor<T>(graph: graph, outputs: [output])
            exec.setInput(x, input.converted())
            exec.run()
            exec.run()   // a second run reuses the planned buffers and must give the same values
            return (exec.value(output), exec.namedKernels.contains { $0.name.hasPrefix("dense_chain") })
        }
    }

    private func assertFusedMatchesUnfused<T: NetScalar>(_: T.Type, rows: Int, widths: [Int], activations: [UnaryFunction?],
                                                        tolerance: Double, file: StaticString = #filePath, line: UInt = #line) {
        let chain = Chain(rows: rows, widths: widths, activations: activations, seed: UInt64(rows))
        var rng = RandomGenerator(seed: 9)
        let input = Tensor<Double>.randomNormal([rows, widths[0]], rng: &rng)
        let (fused, didFuse) = chain.evaluate(T.self, fused: true, input: input)
        let (plain, plainFused) = chain.evaluate(T.self, fused: false, input: input)
        XCTAssertTrue(didFuse, "the chain was not fused", file: file, line: line)
        XCTAssertFalse(plainFused, file: file, line: line)
        XCTAssertEqual(fused.shape, [rows, widths.last!], file: file, line: line)
        var worst = 0.0
        for (a, b) in zip(fused.scalars, plain.scalars) {
            worst = max(worst, abs(Double(a) - Double(b)) / max(1, abs(Double(b))))
        }
        XCTAssertLessThanOrEqual(worst, tolerance, "\(T.dtypeName) \(rows)×\(widths) \(activations)", file: file, line: line)
    }

    /// The i-ResNet block shape (thin input, GEMM, thin output), odd row counts that leave
    /// a partial block, widths that are no multiple of 16, every fused activation, both
    /// precisions, one and two threads, with and without the thin-output SIMD path.
    func testFusedChainsMatchUnfusedOps() {
        let cases: [(widths: [Int], activations: [UnaryFunction?])] = [
            ([2, 37, 37, 2], [.elu(1), .elu(1), nil]),
            ([5, 21, 19, 3], [.tanh, .relu, nil]),
            ([11, 23, 17], [.leakyRelu(0.1), .sigmoid]),
            ([9, 30, 7, 13], [nil, .elu(0.5), .tanh]),      // identity between two dense layers
        ]
        for threads in [1, 2] {
            setComputeThreads(threads)
            for thinOutput in [false, true] {
                LinearOp.thinOutputKernel = thinOutput
                for (widths, activations) in cases {
                    for rows in [1, 7, 613] {
                        assertFusedMatchesUnfused(Float.self, rows: rows, widths: widths, activations: activations, tolerance: 2e-6)
                        assertFusedMatchesUnfused(Double.self, rows: rows, widths: widths, activations: activations, tolerance: 1e-13)
                    }
                }
            }
        }
    }

    /// The Float32 elu of the fused kernel equals UnaryOp's elu to a few ulp of 1 (its
    /// polynomial uses fused multiply-adds), and exactly for NaN, ±∞, ±0, positive inputs
    /// and where eˣ is clamped.
    func testFloat32EluMatchesUnaryOp() {
        let special: [Float] = [.nan, .infinity, -.infinity, 0, -0.0, 1e-30, 1, 88, 89, 1e30, .leastNonzeroMagnitude,
                                .greatestFiniteMagnitude, -87.4, -100, -1e30, -.greatestFiniteMagnitude]
        var rng = RandomGenerator(seed: 3)
        let random = Tensor<Double>.randomNormal([4_000], std: 6, rng: &rng).scalars.map(Float.init)
        let values = special + random + [-1e-30, -.leastNonzeroMagnitude, -87.3, -1e-3, -20]
        for alpha in [1.0, 0.3] {
            let g = Graph()
            let x = g.input("x", shape: [values.count])
            let expected = g.evaluate([x.elu(alpha)], as: Float.self, inputs: [x: Tensor(shape: [values.count], scalars: values)])[0]
            var fused = values
            fused.withUnsafeMutableBufferPointer { eluInPlace($0.baseAddress!, $0.count, alpha: Float(alpha)) }
            for (i, v) in values.enumerated() {
                let (a, b) = (fused[i], expected.scalars[i])
                if i < special.count {
                    XCTAssertTrue(a.bitPattern == b.bitPattern || (a.isNaN && b.isNaN), "elu(\(v)) = \(a), UnaryOp: \(b)")
                } else {
                    XCTAssertEqual(Double(a), Double(b), accuracy: 4 * Double(Float.ulpOfOne), "elu(\(v))")
                    // eˣ itself (away from the cancellation in eˣ − 1) to a few ulp.
                    if v < 0 {
                        let e = expOfNonPositive(v), reference = Float.fastExp(v)
                        XCTAssertEqual(Double(e), Double(reference), accuracy: 3 * Double(reference.ulp) + 1e-44, "exp(\(v))")
                    }
                }
            }
        }
    }

    /// Many row blocks of a wide hidden layer, shared between two threads.
    func testWideChainOverManyBlocks() {
        setComputeThreads(2)
        assertFusedMatchesUnfused(Float.self, rows: 3_001, widths: [2, 130, 130, 2], activations: [.elu(1), .elu(1), nil], tolerance: 2e-6)
        assertFusedMatchesUnfused(Double.self, rows: 3_001, widths: [2, 130, 130, 2], activations: [.elu(1), .elu(1), nil], tolerance: 1e-13)
    }

    /// A value read elsewhere (an output, a second reader) ends a chain, and a training
    /// graph — whose backward pass reads every activation — fuses nothing.
    func testChainsStopAtValuesReadElsewhere() {
        let g = Graph()
        var rng = RandomGenerator(seed: 2)
        let x = g.input("x", shape: [10, 4])
        let w1 = g.variable("w1", .randomNormal([6, 4], rng: &rng)), b1 = g.variable("b1", .zeros([6]))
        let w2 = g.variable("w2", .randomNormal([3, 6], rng: &rng)), b2 = g.variable("b2", .zeros([3]))
        let hidden = x.linear(w1, bias: b1).tanh()
        let out = hidden.linear(w2, bias: b2)
        func fusedKernels(_ outputs: [Node]) -> [String] {
            Executor<Double>(graph: g, outputs: outputs).namedKernels.map(\.name).filter { $0.hasPrefix("dense_chain") }
        }
        XCTAssertEqual(fusedKernels([out]), ["dense_chain[10, 3]"])
        // `hidden` is an output: linear → tanh fuses, the last layer stays a linear node.
        XCTAssertEqual(fusedKernels([out, hidden]), ["dense_chain[10, 6]"])
        let extra = hidden.sum()
        XCTAssertEqual(fusedKernels([out, extra]), ["dense_chain[10, 6]"])
        // Training: tanh's derivative reads its output, so linear → tanh still fuses;
        // elu's reads its input, so nothing does. The gradients are the unfused ones.
        let w3 = g.variable("w3", .randomNormal([6, 4], rng: &rng)), b3 = g.variable("b3", .zeros([6]))
        let z = (x.linear(w1, bias: b1).tanh().linear(w2, bias: b2) + x.linear(w3, bias: b3).elu().linear(w2, bias: b2)).square().sum()
        let grads = g.gradients(of: z, wrt: [w1, w2, w3])
        XCTAssertEqual(fusedKernels([z] + grads), ["dense_chain[10, 6]"])
        let input = Tensor<Double>.randomNormal([10, 4], rng: &rng)
        let fused = g.evaluate([z] + grads, as: Double.self, inputs: [x: input])
        DenseChainFusion.isEnabled = false
        let plain = g.evaluate([z] + grads, as: Double.self, inputs: [x: input])
        for (a, b) in zip(fused, plain) {
            for (u, v) in zip(a.scalars, b.scalars) { XCTAssertEqual(u, v, accuracy: 1e-12 * max(1, abs(v))) }
        }
    }

    /// The fused intermediate values need no arena space.
    func testFusedPlanUsesLessMemory() {
        let chain = Chain(rows: 500, widths: [2, 64, 64, 2], activations: [.elu(1), .elu(1), nil], seed: 1)
        DenseChainFusion.isEnabled = false
        let plain = Executor<Float>(graph: chain.graph, outputs: [chain.output]).arenaBytes
        DenseChainFusion.isEnabled = true
        let fused = Executor<Float>(graph: chain.graph, outputs: [chain.output]).arenaBytes
        XCTAssertLessThan(fused, plain / 10)
    }

    /// `denseChain` nodes: first and second derivatives (the unfused chain's) by finite differences.
    func testDenseChainOpGradients() {
        GradientCheck(shapes: [[5, 3], [4, 3], [4], [2, 4], [2]]).run { _, v in
            v[0].denseChain([(v[1], v[2], .elu(1)), (v[3], v[4], .tanh)])
        }
    }

    /// The op's kernel against the unfused nodes, in a graph that uses it directly.
    func testDenseChainOpMatchesUnfusedNodes() {
        let g = Graph()
        var rng = RandomGenerator(seed: 5)
        let x = g.input("x", shape: [77, 3])
        let layers: [(weight: Node, bias: Node, activation: UnaryFunction?)] = [
            (g.constant(.randomNormal([18, 3], rng: &rng)), g.constant(.randomNormal([18], rng: &rng)), .sigmoid),
            (g.constant(.randomNormal([5, 18], rng: &rng)), g.constant(.randomNormal([5], rng: &rng)), nil),
        ]
        let fused = x.denseChain(layers)
        let plain = DenseChainOp.unfused([x] + layers.flatMap { [$0.weight, $0.bias] }, activations: layers.map(\.activation))
        let input = Tensor<Double>.randomNormal([77, 3], rng: &rng)
        DenseChainFusion.isEnabled = false
        let values = g.evaluate([fused, plain], as: Double.self, inputs: [x: input])
        for (a, b) in zip(values[0].scalars, values[1].scalars) { XCTAssertEqual(a, b, accuracy: 1e-12) }
    }
}
