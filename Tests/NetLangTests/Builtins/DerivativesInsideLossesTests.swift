import Foundation
import XCTest
import NetRuntime
@testable import NetLang

/// Issue 24, item 1: `grad`, `vjp` and `jacobian` inside a loss, `jit` or another `grad`
/// build their derivative as graph nodes, so the loss is differentiated through it again
/// (double backprop). Checked against central finite differences in Float64, against a
/// hand computation, and for JAX's closure rule (only paths through f's argument count).
final class DerivativesInsideLossesTests: XCTestCase {
    private func run(_ source: String) throws -> [String] {
        let interpreter = Interpreter(seed: 0)
        var lines: [String] = []
        interpreter.output = { lines.append($0) }
        interpreter.progress.enabled = false
        try interpreter.run(SourceFile(name: "inside.net", text: source))
        return lines
    }

    func testNestedDerivativesAtTheTopLevel() throws {
        // d/dx Σ 3x² = 6x; the Hessian of Σ x³ is diag(6x); vᵀ of it.
        XCTAssertEqual(try run("print grad(fn(x) = sum(grad(fn(y) = sum(y^3), x)), [1, 2])"), ["[6, 12]"])
        XCTAssertEqual(try run("print jacobian(fn(x) = grad(fn(y) = sum(y^3), x), [1, 2])").joined(separator: "\n"), "[[6, 0],\n [0, 12]]")
        XCTAssertEqual(try run("print vjp(fn(x) = grad(fn(y) = sum(y^3), x), [1, 2], [1, 0])"), ["[6, 0]"])
    }

    /// The inner f closes over x as well as receiving it: the inner gradient is x (the
    /// closed-over x is a constant to it), so the outer gradient of Σ x is ones, not 2x.
    func testOnlyPathsThroughTheArgumentCount() throws {
        XCTAssertEqual(try run("print grad(fn(x) = sum(grad(fn(v) = sum(v * x), x)), [1, 2])"), ["[1, 1]"])
    }

    /// A WGAN-style penalty (‖∇ᵥ f(v)‖ − 1)² on a linear critic f(v) = w·v + b with
    /// w = (3, 4): ‖w‖ = 5, so the penalty is 16 and its gradient 2·(5 − 1)·w/5 = (4.8, 6.4)
    /// in w and 0 in b.
    func testGradientPenaltyAgainstAHandComputation() throws {
        let lines = try run("""
            model critic(input: [2]) { dense(1) }
            assign(critic.dense1.weight, reshape([3, 4], shape(critic.dense1.weight)))
            assign(critic.dense1.bias, [0.5])
            let x = [[1, 2]]
            fn penalty(net) = sum((sqrt(sum(grad(fn(v) = sum(net(v)), x)^2)) - 1)^2)
            print penalty(critic)
            let g = grad(penalty, critic)
            print reshape(g.critic.dense1.weight, [2])
            print g.critic.dense1.bias
            """)
        XCTAssertEqual(lines.count, 3, "\(lines)")
        XCTAssertEqual(Double(lines[0]) ?? .nan, 16, accuracy: 1e-5)
        XCTAssertEqual(lines[1], "[4.8, 6.4]")
        XCTAssertEqual(lines[2], "[0]")
    }

    /// grad, vjp and jacobian inside one loss through a nonlinear network: its parameter
    /// gradient (second order in the network) against central finite differences.
    func testParameterGradientsOfALossWithDerivativesMatchFiniteDifferences() throws {
        let interpreter = Interpreter(seed: 0)
        interpreter.output = { _ in }
        try interpreter.run(SourceFile(name: "penalties.net", text: """
            model net(input: [3]) { dense(4) tanh dense(2) softplus dense(1) }
            let x = [[0.5, -1, 2], [1, 0.3, -0.2]]
            fn gradient_penalty(m) = mean((sqrt(sum(grad(fn(v) = sum(m(v)), x)^2, axis: 1)) - 1)^2)
            fn vjp_term(m) = sum(vjp(fn(v) = m(v), x, [[1], [-2]])^2)
            fn jacobian_term(m) = sum(jacobian(fn(v) = m(v), [0.2, 0.1, -0.3])^2)
            fn loss(m) = mean(m(x)) + 10 * gradient_penalty(m) + vjp_term(m) + jacobian_term(m)
            let g = grad(loss, net)
            """))
        guard case let .function(f)? = interpreter.globals.lookup("loss"), let g = interpreter.globals.lookup("g"),
              case let .model(net)? = interpreter.globals.lookup("net") else { return XCTFail("the script did not define loss, g and net") }
        let checked = try ParameterGradientTests.assertRecordMatchesFiniteDifferences(g, of: f, argument: .model(net), models: [net], in: interpreter)
        XCTAssertEqual(checked, 3 * 4 + 4 + 4 * 2 + 2 + 2 + 1)
    }

    /// Training with a gradient penalty in the loss: the penalty is differentiated through
    /// (it falls), where before the loss was refused.
    func testTrainingWithAGradientPenalty() throws {
        let lines = try run("""
            model d(input: [2]) { dense(16) tanh dense(1) }
            data pts = generate("moons", n: 128, seed: 1)
            fn penalty(v) = mean((sqrt(sum(grad(fn(u) = sum(d(u)), v)^2, axis: 1) + 1e-12) - 1)^2)
            print penalty(pts.x) > 0.05
            train d on pts {
              loss penalty(x)
              optimizer adam(0.01)
              epochs 30
              batch 64
            }
            print penalty(pts.x) < 0.01
            """)
        XCTAssertEqual(lines.first, "true", "\(lines)")
        XCTAssertEqual(lines.last, "true", "\(lines)")
    }
}
