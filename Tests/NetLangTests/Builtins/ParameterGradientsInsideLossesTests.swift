import Foundation
import XCTest
import NetRuntime
@testable import NetLang

/// Issue 24: `grad(f, model)` inside a loss (and inside another `grad`) returns the
/// parameter gradients as graph nodes, so a penalty on ‖∂L/∂θ‖² is differentiated again
/// (second order in θ), as `torch.autograd.grad(…, create_graph=True)`.
final class ParameterGradientsInsideLossesTests: XCTestCase {
    static let script = """
    model m(input: [3]) { dense(4) tanh dense(2) }
    let x = [[0.5, -1, 2], [1, 0.3, -0.2], [-0.7, 0.4, 0.1]]
    let y = [[1, 0], [0, 1], [0.5, -0.5]]
    fn fit(net) = mse(net(x), y)
    fn gradient_norm(net) = sum(grad(fit, net).m.dense1.weight ^ 2) + sum(grad(fit, net).m.dense2.bias ^ 2)
    fn loss(net) = fit(net) + 0.5 * gradient_norm(net)
    """

    /// ∂/∂θ [fit + 0.5‖∂fit/∂θ₁‖²] against Float64 central differences of the same loss.
    func testTheSecondOrderParameterGradientMatchesFiniteDifferences() throws {
        let interpreter = Interpreter(seed: 0)
        interpreter.output = { _ in }
        try interpreter.run(SourceFile(name: "penalty.net", text: Self.script + "\nlet g = grad(loss, m)\n"))
        guard case let .function(f)? = interpreter.globals.lookup("loss"), let g = interpreter.globals.lookup("g"),
              case let .model(m)? = interpreter.globals.lookup("m") else { return XCTFail("the script did not define loss, g and m") }
        let checked = try ParameterGradientTests.assertRecordMatchesFiniteDifferences(g, of: f, argument: .model(m), models: [m], in: interpreter)
        XCTAssertEqual(checked, 3 * 4 + 4 + 4 * 2 + 2)
        // The gradient nodes inside the loss are ∂fit/∂θ: the penalty built symbolically
        // equals the penalty computed at the top level, where grad(fit, net) gives numbers
        // (checked against finite differences in ParameterGradientTests; the top level's
        // model runs in Float32, hence the tolerance).
        try interpreter.run(SourceFile(name: "top.net", text: "let penalty = gradient_norm(m)"))
        guard case let .number(penalty)? = interpreter.globals.lookup("penalty"),
              case let .function(norm)? = interpreter.globals.lookup("gradient_norm") else { return XCTFail("no top-level penalty") }
        let span = SourceSpan(file: SourceFile(name: "check.net", text: "grad"), start: 0, end: 4)
        let (symbolicPenalty, _) = try BuiltinContext(name: "grad", span: span, interpreter: interpreter)
            .parameterGradientGraph(norm, argument: .model(m), models: [m], span: span)
        let value = interpreter.graph.evaluate([symbolicPenalty], as: Double.self, variables: VariableStore<Double>(converting: interpreter.variables))[0]
        XCTAssertEqual(value.scalars[0], penalty, accuracy: 1e-5 * penalty)
        // The penalty is not zero, so both checks cover its second-order term.
        XCTAssertGreaterThan(penalty, 1e-3)
    }

    /// One full-batch SGD step of a train block whose loss holds the penalty moves θ by
    /// exactly −lr·∂L/∂θ, the top-level gradient checked above (Float32 rounding apart).
    func testATrainingStepFollowsTheSecondOrderGradient() throws {
        let interpreter = Interpreter(seed: 0)
        interpreter.output = { _ in }
        interpreter.progress.enabled = false
        try interpreter.run(SourceFile(name: "step.net", text: Self.script + """

        let g = grad(loss, m)
        let w0 = m.dense1.weight + 0
        let b0 = m.dense2.bias + 0
        let d = dataset(x, y)
        train m on d {
          loss fit(m) + 0.5 * gradient_norm(m)
          optimizer sgd(lr: 0.1)
          batch 3
          epochs 1
        }
        let dw = m.dense1.weight - w0
        let db = m.dense2.bias - b0
        """))
        func tensor(_ name: String) -> Tensor<Double>? {
            if case let .tensor(t)? = interpreter.globals.lookup(name) { return t }
            return nil
        }
        guard let g = interpreter.globals.lookup("g"), case let .tensor(gw)? = ParameterGradientTests.field(g, "m.dense1.weight"),
              case let .tensor(gb)? = ParameterGradientTests.field(g, "m.dense2.bias"), let dw = tensor("dw"), let db = tensor("db") else {
            return XCTFail("the script did not compute g, dw and db")
        }
        for (step, gradient) in zip(dw.scalars + db.scalars, gw.scalars + gb.scalars) {
            XCTAssertEqual(step, -0.1 * gradient, accuracy: 1e-6)
        }
        XCTAssertGreaterThan(gw.scalars.map(abs).max() ?? 0, 1e-3)
    }
}
