import XCTest
import NetRuntime
@testable import NetLibrary

final class FixedPointInverseTests: XCTestCase {
    func makeFlow(c: Double?, graph: Graph) throws -> Model {
        let constraint = c.map { LipschitzConstraint(coefficient: $0, iterations: 1) }
        func block() throws -> Residual {
            Residual([try Convolution(dimensions: 2, channels: 8, kernel: 3, constraint: constraint), Activation.elu(),
                      try Convolution(dimensions: 2, channels: 4, kernel: 3, constraint: constraint)])
        }
        return try Model(name: "flow", inputShape: [1, 4, 4], layers: [
            PadChannels(3), ActNorm(dataInitialization: false), try block(), Squeeze(), ActNorm(dataInitialization: false),
            Residual([try Convolution(dimensions: 2, channels: 16, kernel: 1, constraint: constraint), Activation.elu(),
                      try Convolution(dimensions: 2, channels: 16, kernel: 1, constraint: constraint)]),
        ], graph: graph, seed: 3)
    }

    /// ‖x − F⁻¹(F(x))‖ is within Lemma 4.5's bound for constrained models, and tiny.
    func testInverseOfConstrainedModelReconstructsTheInput() throws {
        let g = Graph()
        let model = try makeFlow(c: 0.7, graph: g)
        let store = VariableStore<Float>(g)
        // Converge the power iterations so the constraint holds (state updates only).
        let x = g.input("x", shape: [5, 1, 4, 4])
        let context = ApplyContext(training: true)
        let y = model.apply(x, context)
        let exec = Executor<Float>(graph: g, outputs: [y], variables: store, updates: context.updates)
        var rng = RandomGenerator(seed: 1)
        let input = Tensor<Double>.randomNormal([5, 1, 4, 4], rng: &rng).converted(to: Float.self)
        exec.setInput(x, input)
        for _ in 0..<50 { exec.run() }
        let output = exec.value(y)

        var inverse = FixedPointInverse(model: model, variables: store)
        let result = try inverse.invert(output, stopping: .init(maxIterations: 200, tolerance: 1e-6))
        XCTAssertTrue(result.converged)
        let error = zip(result.x.scalars, input.scalars).map { Double(abs($0 - $1)) }.max()!
        XCTAssertLessThan(error, 1e-4)
        for block in result.blocks {
            XCTAssertEqual(block.nominalLipschitz!, 0.49, accuracy: 1e-12)
            // The bound the lemma uses is measured (SVD / converged power iteration): at most c² up to rounding.
            XCTAssertLessThanOrEqual(block.lipschitzBound!, 0.49 * (1 + 1e-5))
            XCTAssertGreaterThan(block.lipschitzBound!, 0.2)
            XCTAssertLessThan(block.residuals.count, 40, "c = 0.7 ⇒ L ≤ 0.49 needs few iterations")
        }
    }

    /// Lemma 4.5 on a real run: after k iterations the error ‖x − x_k‖₂ of every example
    /// is at most Lᵏ/(1 − L)·‖x₁ − x₀‖₂, with L = c² the bound of a two-layer block.
    func testLemma45BoundHoldsForEveryIterationCount() throws {
        let g = Graph()
        let c = 0.8
        let model = try Model(name: "block", inputShape: [6], layers: [
            Residual([Dense(units: 12, constraint: LipschitzConstraint(coefficient: c)), Activation.elu(),
                      Dense(units: 6, constraint: LipschitzConstraint(coefficient: c))]),
        ], graph: g, seed: 7)
        let store = VariableStore<Float>(g)
        // Make every weight's norm exactly larger than c before normalisation, and converge u.
        for p in model.parameters where p.rank == 2 { store.assign(p, Tensor(shape: p.shape, scalars: store.value(p).scalars.map { $0 * 4 })) }
        let x = g.input("x", shape: [8, 6])
        let context = ApplyContext(training: true)
        let y = model.apply(x, context)
        let exec = Executor<Float>(graph: g, outputs: [y], variables: store, updates: context.updates)
        var rng = RandomGenerator(seed: 2)
        let input = Tensor<Double>.randomNormal([8, 6], rng: &rng).converted(to: Float.self)
        exec.setInput(x, input)
        for _ in 0..<100 { exec.run() }
        let output = exec.value(y)
        for k in 1...12 {
            var inverse = FixedPointInverse(model: model, variables: store)
            let result = try inverse.invert(output, stopping: .init(maxIterations: k, tolerance: 1e-6, stopsEarly: false))
            let report = result.blocks[0]
            XCTAssertEqual(report.residuals.count, k)
            var worst = 0.0
            for n in 0..<8 {
                let e = (0..<6).map { i in Double(result.x.scalars[n * 6 + i] - input.scalars[n * 6 + i]) }
                worst = max(worst, e.map { $0 * $0 }.reduce(0, +).squareRoot())
            }
            XCTAssertLessThanOrEqual(worst, report.errorBound! * 1.001 + 1e-5, "k = \(k)")
            XCTAssertLessThanOrEqual(worst, report.aPosterioriBound! * 1.001 + 1e-5, "k = \(k)")
        }
    }

    /// An input beyond Float32's range makes the iterates NaN: the block must be reported
    /// not converged with a NaN residual (the residual's max over examples used to skip the
    /// NaN and report 0, "converged").
    func testNonFiniteIteratesAreNotConverged() throws {
        let g = Graph()
        let model = try Model(name: "f", inputShape: [2], layers: [
            Residual([Dense(units: 8, constraint: LipschitzConstraint(coefficient: 0.5, iterations: 1)), Activation.elu(),
                      Dense(units: 2, constraint: LipschitzConstraint(coefficient: 0.5, iterations: 1))]),
        ], graph: g, seed: 1)
        var inverse = FixedPointInverse(model: model, variables: VariableStore<Float>(g))
        let y = Tensor<Float>(shape: [2, 2], scalars: [1, .infinity, 0.5, -1])
        let result = try inverse.invert(y, stopping: .init(maxIterations: 10, tolerance: 1e-6))
        XCTAssertFalse(result.converged)
        XCTAssertFalse(result.blocks[0].converged)
        XCTAssertTrue(result.blocks[0].residuals.last?.isNaN ?? false, "\(result.blocks[0].residuals)")
    }

    /// Without the constraint a residual block may not be invertible by iteration; the
    /// inverse then says so instead of returning garbage.
    func testUnconstrainedNetworkReportsNonConvergence() throws {
        let g = Graph()
        let model = try Model(name: "plain", inputShape: [2], layers: [
            Residual([Dense(units: 16), Activation.elu(), Dense(units: 2)]),
        ], graph: g, seed: 1)
        let store = VariableStore<Float>(g)
        // Scale the weights up so Lip(g) > 1.
        for p in model.parameters { store.assign(p, Tensor(shape: p.shape, scalars: store.value(p).scalars.map { $0 * 6 })) }
        var inverse = FixedPointInverse(model: model, variables: store)
        let y = Tensor<Float>(shape: [3, 2], scalars: [1, 2, -1, 0.5, 3, -2])
        let result = try inverse.invert(y, stopping: .init(maxIterations: 100, tolerance: 1e-6))
        XCTAssertFalse(result.converged)
        XCTAssertNil(result.blocks[0].nominalLipschitz, "no constraint: no nominal bound")
        XCTAssertGreaterThan(result.blocks[0].lipschitzBound!, 1, "the measured bound shows why")
        XCTAssertNil(result.blocks[0].errorBound)
        XCTAssertThrowsError(try Flow(model, requirement: .invertible)) { error in
            XCTAssertEqual((error as? FlowViolation)?.reason, .notLipschitzConstrained)
        }
    }

    func testBiLipschitzBounds() {
        let (f, i) = biLipschitzBounds(lipschitz: 0.5)
        XCTAssertEqual(f, 1.5)
        XCTAssertEqual(i, 2)
    }
}
