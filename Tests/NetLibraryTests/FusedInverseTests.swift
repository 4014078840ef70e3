import XCTest
import NetRuntime
@testable import NetLibrary

/// The fixed-point inverse (Alg. 1) evaluates each block's body g as one fused dense
/// chain (`DenseChainFusion`); its result and its Lemma 4.5 report equal the unfused ones.
final class FusedInverseTests: XCTestCase {
    override func tearDown() {
        DenseChainFusion.isEnabled = true
        DenseChainFusion.rowsPerBlock = nil
        setComputeThreads(ProcessInfo.processInfo.activeProcessorCount)
    }

    private func makeFlow(_ graph: Graph) throws -> Model {
        func block() throws -> Residual {
            let c = LipschitzConstraint(coefficient: 0.9)
            return Residual([Dense(units: 37, constraint: c), Activation.elu(), Dense(units: 37, constraint: c), Activation.elu(),
                             Dense(units: 3, constraint: c)])
        }
        return try Model(name: "flow", inputShape: [3], layers: [
            ActNorm(dataInitialization: false), try block(), ActNorm(dataInitialization: false), try block(),
        ], graph: graph, seed: 5)
    }

    private func invert<T: NetScalar>(_ model: Model, _ store: VariableStore<T>, _ y: Tensor<T>, fused: Bool)
        throws -> FixedPointInverse<T>.Result {
        DenseChainFusion.isEnabled = fused
        defer { DenseChainFusion.isEnabled = true }
        var inverse = FixedPointInverse(model: model, variables: store)
        return try inverse.invert(y, stopping: .init(maxIterations: 15, tolerance: 1e-6, stopsEarly: false))
    }

    private func check<T: NetScalar>(_: T.Type, threads: Int, tolerance: Double) throws {
        setComputeThreads(threads)
        DenseChainFusion.rowsPerBlock = 64   // several row blocks on few rows
        let g = Graph()
        let model = try makeFlow(g)
        let floatStore = VariableStore<Float>(g)
        let store = T.self == Float.self ? floatStore as! VariableStore<T> : VariableStore<T>(converting: floatStore)
        let rows = 301
        let x = g.input("x", shape: [rows, 3])
        var rng = RandomGenerator(seed: 8)
        let input = Tensor<Double>.randomNormal([rows, 3], rng: &rng)
        let forward = Executor<T>(graph: g, outputs: [model.apply(x, ApplyContext(training: false))], variables: store)
        XCTAssertTrue(forward.namedKernels.contains { $0.name.hasPrefix("dense_chain") }, "the forward pass fuses each body")
        forward.setInput(x, input.converted())
        forward.run()
        let y = forward.value(forward.outputs[0])

        let fused = try invert(model, store, y, fused: true)
        let plain = try invert(model, store, y, fused: false)
        for (a, b) in zip(fused.x.scalars, plain.x.scalars) { XCTAssertEqual(Double(a), Double(b), accuracy: tolerance) }
        let error = zip(fused.x.scalars, input.scalars).map { abs(Double($0) - $1) }.max()!
        XCTAssertLessThan(error, 1e-3, "15 iterations with L ≤ 0.73 reconstruct x")
        XCTAssertEqual(fused.blocks.count, 2)
        for (f, p) in zip(fused.blocks, plain.blocks) {
            XCTAssertEqual(f.residuals.count, 15)
            XCTAssertEqual(f.converged, p.converged)
            XCTAssertEqual(f.lipschitzBound!, p.lipschitzBound!)
            // The first residuals are far above rounding: they agree to the tolerance.
            for (r, s) in zip(f.residuals.prefix(5), p.residuals.prefix(5)) { XCTAssertEqual(r, s, accuracy: tolerance * max(1, s) * 10) }
            XCTAssertEqual(f.errorBound!, p.errorBound!, accuracy: tolerance * max(1, p.errorBound!) * 10)
        }
    }

    func testFusedInverseMatchesUnfusedFloat32() throws {
        try check(Float.self, threads: 1, tolerance: 1e-5)
        try check(Float.self, threads: 2, tolerance: 1e-5)
    }

    func testFusedInverseMatchesUnfusedFloat64() throws {
        try check(Double.self, threads: 1, tolerance: 1e-12)
        try check(Double.self, threads: 2, tolerance: 1e-12)
    }
}
