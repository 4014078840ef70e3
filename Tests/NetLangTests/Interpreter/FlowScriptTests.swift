import XCTest
import NetLibrary
@testable import NetLang

/// Flow features seen from scripts: the Russian-roulette estimator and Neumann gradient in
/// training, and Lipschitz constraints with a power-iteration tolerance.
final class FlowScriptTests: XCTestCase {
    func testRouletteTrainingCompilesAStepPerDrawAndLearns() throws {
        let out = try runScript("""
        data toy = generate("8gaussians", n: 400, seed: 0, test: 0.25)
        model flow(input: [2]) {
          repeat 3 {
            actnorm
            residual lipschitz(c: 0.7) { dense(32) elu dense(32) elu dense(2) }
          }
        }
        let before = flow_nll(flow, toy.test, method: "exact")
        train flow on toy.train {
          loss flow_nll(flow, x, method: "roulette", terms: 2, distribution: "poisson", lambda: 2, gradient: "neumann")
          optimizer adam(lr: 5e-3)
          epochs 8 batch 100
        }
        print before - flow_nll(flow, toy.test, method: "exact")
        """)
        XCTAssertTrue(out.contains("the loss shown is the series estimate"), out)
        let line = try XCTUnwrap(out.split(separator: "\n").first { $0.hasPrefix("Russian roulette, K ~ poisson(lambda: 2.0)") }, out)
        let draws = line.split(separator: "=").last!.split(separator: "(")[0].split(separator: ",")
        XCTAssertGreaterThanOrEqual(draws.count, 3, "24 steps draw several K: \(line)")
        let improvement = try XCTUnwrap(Double(out.split(separator: "\n").last!.trimmingCharacters(in: .whitespaces)))
        XCTAssertGreaterThan(improvement, 0.3, "training on the roulette estimate lowers the exact test NLL")
    }

    func testRouletteEvaluationIsCloseToExact() throws {
        let out = try runScript("""
        data toy = generate("moons", n: 300, seed: 1)
        model flow(input: [2]) {
          repeat 2 { residual lipschitz(c: 0.5) { dense(16) elu dense(2) } }
        }
        print flow_nll(flow, toy, method: "exact")
        print flow_nll(flow, toy, method: "roulette", probes: 4)
        """)
        let values = out.split(separator: "\n").compactMap { Double($0) }
        XCTAssertEqual(values.count, 2, out)
        XCTAssertEqual(values[0], values[1], accuracy: 0.05)
    }

    /// After training with lr high enough to move the weights far each step, the norm of
    /// every effective weight (SVD) is at most c up to the tolerance the power iteration ran to.
    func testLipschitzToleranceHoldsAfterTraining() throws {
        let interpreter = Interpreter(seed: 3)
        var lines: [String] = []
        interpreter.output = { lines.append($0) }
        interpreter.progress.enabled = false
        try interpreter.run(SourceFile(name: "t.net", text: """
        data toy = generate("rings", n: 300, seed: 0)
        model flow(input: [2]) {
          repeat 2 { residual lipschitz(c: 0.6, tolerance: 1e-6, max_iterations: 500) { dense(24) elu dense(24) elu dense(2) } }
        }
        train flow on toy {
          loss flow_nll(flow, x)
          optimizer adam(lr: 5e-2)
          epochs 6 batch 100
        }
        """))
        guard case let .model(m)? = interpreter.globals.lookup("flow") else { return XCTFail() }
        let blocks = LipschitzVerification.verify(try Flow(m.model, requirement: .density), variables: interpreter.variables)
        let layers = blocks.flatMap(\.rows).filter { $0.kind == "dense" }
        XCTAssertEqual(layers.count, 6)
        for row in layers { XCTAssertLessThanOrEqual(row.measured, 0.6 * (1 + 1e-4), row.name) }
        XCTAssertGreaterThan(layers.map(\.measured).max()!, 0.6 * (1 - 1e-3), "some layer sits on the constraint")
        XCTAssertTrue(blocks.allSatisfy(\.invertible))
        XCTAssertTrue(lines.contains { $0.hasPrefix("power iteration to tolerance:") }, lines.joined(separator: "\n"))
    }

    /// A multi-scale flow: z holds every number, the inverse restores the input, and the
    /// exact and series log-densities agree.
    func testMultiScaleFlowInvertsAndHasADensity() throws {
        let out = try runScript("""
        let images = randn([20, 1, 4, 4], seed: 4)
        model flow(input: [1, 4, 4]) {
          squeeze
          residual lipschitz(c: 0.7) { conv2d(8, kernel: 3) elu conv2d(4, kernel: 3) }
          factor_out(2)
          residual lipschitz(c: 0.7) { conv2d(8, kernel: 3) elu conv2d(2, kernel: 3) }
        }
        let z = flow(images)
        print shape(z)
        print max(abs(inverse(flow, z).x - images))
        print flow_nll(flow, images, method: "exact") - flow_nll(flow, images, terms: 10, probes: 32)
        """)
        let lines = out.split(separator: "\n").map(String.init)
        XCTAssertEqual(lines[0], "[20, 16]")
        XCTAssertLessThan(try XCTUnwrap(Double(lines[1])), 1e-5)
        XCTAssertLessThan(abs(try XCTUnwrap(Double(lines[2]))), 0.05)
        XCTAssertTrue(scriptError("model f(input: [4, 2, 2]) {\n  residual { factor_out(2) conv2d(4, kernel: 1) }\n}").contains("cannot be inside a residual block"))
    }

    /// The same for convolution operators (power iteration on conv and its transpose).
    func testLipschitzToleranceHoldsForConvolutions() throws {
        let interpreter = Interpreter(seed: 5)
        interpreter.output = { _ in }
        interpreter.progress.enabled = false
        try interpreter.run(SourceFile(name: "t.net", text: """
        data d = dataset(randn([64, 2, 4, 4], seed: 1))
        model flow(input: [2, 4, 4]) {
          repeat 2 { residual lipschitz(c: 0.7, tolerance: 1e-4, max_iterations: 1000) { conv2d(8, kernel: 3) elu conv2d(2, kernel: 3) } }
        }
        train flow on d {
          loss flow_nll(flow, x)
          optimizer adam(lr: 5e-2)
          epochs 5 batch 32
        }
        """))
        guard case let .model(m)? = interpreter.globals.lookup("flow") else { return XCTFail() }
        let layers = LipschitzVerification.verify(try Flow(m.model, requirement: .density), variables: interpreter.variables)
            .flatMap(\.rows).filter { $0.kind == "conv2d" }
        XCTAssertEqual(layers.count, 4)
        for row in layers { XCTAssertLessThanOrEqual(row.measured, 0.7 * (1 + 1e-3), row.name) }
        XCTAssertGreaterThan(layers.map(\.measured).max()!, 0.7 * (1 - 1e-2), "some layer sits on the constraint")
    }

    func testBadEstimatorSettingsAreDiagnosed() {
        let model = """
        model flow(input: [2]) { residual lipschitz(c: 0.5) { dense(4) elu dense(2) } }
        data d = generate("moons", n: 10, seed: 0)

        """
        XCTAssertTrue(scriptError(model + "print flow_nll(flow, d, method: \"roulette\", distribution: \"zipf\")").contains("distribution is \"geometric\" or \"poisson\""))
        XCTAssertTrue(scriptError(model + "print flow_nll(flow, d, method: \"roulette\", p: 1.5)").contains("0.01 < p < 1"))
        XCTAssertTrue(scriptError(model + "print flow_nll(flow, d, gradient: \"adjoint\")").contains("gradient is \"backprop\" or \"neumann\""))
        XCTAssertTrue(scriptError("model f(input: [2]) { dense(2) lipschitz(c: 0.5, tolerance: 2) }").contains("tolerance must be between 0 and 1"))
    }
}
