import Foundation
import XCTest
import NetRuntime
@testable import NetLang

/// `grad(f, model)`: parameter gradients as a record named like the checkpoint, against
/// central finite differences in Float64 on the parameters themselves.
final class ParameterGradientTests: XCTestCase {
    static let script = """
    model mlp(input: [3]) { dense(4) tanh dense(3) }
    model flow(input: [3]) { actnorm  residual lipschitz(c: 0.7) { dense(5) elu dense(3) } }
    let x = [[0.5, -1, 2], [1, 0.3, -0.2]]
    let y = [[1, 0, 0.5], [0, 1, -0.5]]
    assign(flow.actnorm1.scale, [1.5, 0.5, 2])
    fn loss(nets) = mse(nets[0](x), y) + weight_decay(nets[0], 0.01) + sum(square(nets[1](nets[0](x)))) + flow_nll(nets[1], y, method: "exact")
    """

    func testParameterGradientsMatchFiniteDifferences() throws {
        let interpreter = Interpreter(seed: 0)
        interpreter.output = { _ in }
        try interpreter.run(SourceFile(name: "grads.net", text: Self.script))
        let before = VariableStore<Double>(converting: interpreter.variables)
        try interpreter.run(SourceFile(name: "grad.net", text: "let g = grad(loss, [mlp, flow])"))
        guard case let .function(f)? = interpreter.globals.lookup("loss"), let g = interpreter.globals.lookup("g"),
              case let .model(mlp)? = interpreter.globals.lookup("mlp"), case let .model(flow)? = interpreter.globals.lookup("flow") else {
            return XCTFail("the script did not define loss, g, mlp and flow")
        }
        let span = SourceSpan(file: SourceFile(name: "check.net", text: "grad"), start: 0, end: 4)
        let context = BuiltinContext(name: "grad", span: span, interpreter: interpreter)
        let (loss, entries) = try context.parameterGradientGraph(f, argument: .list([.model(mlp), .model(flow)]),
                                                                  models: [mlp, flow], span: span)
        let names = entries.map(\.name)
        XCTAssertEqual(names.filter { $0.hasPrefix("mlp.") }.sorted(),
                       ["mlp.dense1.bias", "mlp.dense1.weight", "mlp.dense2.bias", "mlp.dense2.weight"])
        XCTAssertTrue(names.contains("flow.actnorm1.scale") && names.contains("flow.residual1.dense2.weight"), "\(names)")
        let store = VariableStore<Double>(converting: interpreter.variables)
        let executor = Executor<Double>(graph: interpreter.graph, outputs: [loss], variables: store)
        for entry in entries {
            guard case let .tensor(reported)? = Self.field(g, entry.name) else { return XCTFail("no tensor g.\(entry.name)") }
            XCTAssertEqual(reported.shape, entry.parameter.shape, entry.name)
            Self.assertCentralDifferences(reported, of: loss, in: entry.parameter, name: entry.name, store: store, executor: executor)
        }
        // Evaluating the gradient changed no parameter or state (power-iteration vectors).
        let after = VariableStore<Double>(converting: interpreter.variables)
        for v in before.graph.variables { XCTAssertEqual(after.value(v).scalars, before.value(v).scalars) }
    }

    func testErrors() {
        XCTAssertTrue(scriptError("""
        model m(input: [2]) { dense(2) }
        print grad(fn(net) = net([1, 2]), m)
        """).contains("one number"))
        XCTAssertTrue(scriptError("""
        model m(input: [2]) { relu }
        print grad(fn(net) = sum(net([1, 2])), m)
        """).contains("no trainable parameters"))
    }

    /// Every entry of `g`, the record `grad(f, models)` returned, against central
    /// differences of f in Float64 (`assertCentralDifferences`); returns how many numbers
    /// were checked.
    static func assertRecordMatchesFiniteDifferences(_ g: Value, of f: Callable, argument: Value, models: [ModelValue],
                                                     in interpreter: Interpreter,
                                                     file: StaticString = #filePath, line: UInt = #line) throws -> Int {
        let span = SourceSpan(file: SourceFile(name: "check.net", text: "grad"), start: 0, end: 4)
        let context = BuiltinContext(name: "grad", span: span, interpreter: interpreter)
        let (loss, entries) = try context.parameterGradientGraph(f, argument: argument, models: models, span: span)
        let store = VariableStore<Double>(converting: interpreter.variables)
        let executor = Executor<Double>(graph: interpreter.graph, outputs: [loss], variables: store)
        var checked = 0
        for entry in entries {
            guard case let .tensor(reported)? = field(g, entry.name) else {
                XCTFail("no tensor g.\(entry.name)", file: file, line: line)
                continue
            }
            checked += assertCentralDifferences(reported, of: loss, in: entry.parameter, name: entry.name,
                                                store: store, executor: executor, file: file, line: line)
        }
        return checked
    }

    /// The record field at a dotted path.
    /// Each entry of `reported` against (L(θ + ε) − L(θ − ε))/2ε for that entry of
    /// `parameter`, in Float64 with ε = 1e-6; returns how many entries were checked.
    @discardableResult
    static func assertCentralDifferences(_ reported: Tensor<Double>, of loss: Node, in parameter: Node, name: String,
                                         store: VariableStore<Double>, executor: Executor<Double>,
                                         file: StaticString = #filePath, line: UInt = #line) -> Int {
        let epsilon = 1e-6
        let buffer = store.buffer(parameter)
        for j in 0..<buffer.count {
            let saved = buffer[j]
            buffer[j] = saved + epsilon; executor.run(); let up = executor.scalar(loss)
            buffer[j] = saved - epsilon; executor.run(); let down = executor.scalar(loss)
            buffer[j] = saved
            let numeric = (up - down) / (2 * epsilon)
            XCTAssertEqual(reported.scalars[j], numeric, accuracy: 1e-6 * Swift.max(1, Swift.abs(numeric)), "\(name)[\(j)]", file: file, line: line)
        }
        return buffer.count
    }

    static func field(_ v: Value, _ path: String) -> Value? {
        var current: Value? = v
        for part in path.split(separator: ".") {
            guard case let .record(fields)? = current else { return nil }
            current = fields.first { $0.0 == part }?.1
        }
        return current
    }
}
