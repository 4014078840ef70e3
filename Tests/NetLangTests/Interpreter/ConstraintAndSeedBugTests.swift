import Foundation
import XCTest
import NetLibrary
import NetRuntime
@testable import NetLang

/// Issue 9, bugs 6 and 7.
final class ConstraintAndSeedBugTests: XCTestCase {
    let model = """
    model flow(input: [2]) { residual lipschitz(c: 0.5) { dense(2, bias: false) } }

    """

    /// A weight of norm 2 orthogonal to the stored power-iteration vector u: with a stale
    /// u, σ̂ = 0 and the layer would act with norm 2. The constraint holds from the moment
    /// the weight is set, by `assign` …
    func testAssignedWeightActsWithinC() throws {
        let interpreter = Interpreter(seed: 0)
        interpreter.output = { _ in }
        try interpreter.run(SourceFile(name: "t.net", text: model))
        let (w, u) = try weightAndVector(interpreter)
        let text = orthogonalWeight(interpreter.variables.value(u))
        var lines: [String] = []
        interpreter.output = { lines.append($0) }
        try interpreter.run(SourceFile(name: "u.net", text: """
        assign(flow.residual1.dense1.weight, \(text))
        print check_lipschitz(flow).layers[0].norm
        """))
        XCTAssertEqual(try XCTUnwrap(Double(lines.last!)), 0.5, accuracy: 1e-6, lines.joined(separator: "\n"))
        XCTAssertEqual(try spectralNorm(interpreter.variables.value(w)), 2, accuracy: 1e-5, "the raw weight is what was assigned")
    }

    /// The same for a convolution, whose vector comes from power iteration on the operator.
    func testAssignedConvolutionActsWithinC() throws {
        let out = try runScript("""
        model flow(input: [2, 4, 4]) { residual lipschitz(c: 0.5) { conv2d(2, kernel: 3) } }
        assign(flow.residual1.conv2d1.weight, randn([2, 2, 3, 3], seed: 9) * 3)
        let r = check_lipschitz(flow).layers[0]
        print r.norm, r.estimate
        """)
        let values = out.split(separator: "\n").last!.split(separator: " ").compactMap { Double($0) }
        XCTAssertEqual(values.count, 2, out)
        XCTAssertEqual(values[0], 0.5, accuracy: 1e-6, out)
        XCTAssertEqual(values[1], 0.5, accuracy: 1e-12, out)
    }

    /// … and by `load` of a file whose vector u belongs to another weight.
    func testLoadedWeightActsWithinC() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("netl-bug6-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let interpreter = Interpreter(seed: 0, baseDirectory: dir.path)
        interpreter.output = { _ in }
        try interpreter.run(SourceFile(name: "t.net", text: model))
        let (w, u) = try weightAndVector(interpreter)
        let stale = interpreter.variables.value(u)
        let v = [-stale.scalars[1], stale.scalars[0]]
        let weight = Tensor<Float>(shape: [2, 2], scalars: [2 * v[0] * v[0], 2 * v[0] * v[1], 2 * v[1] * v[0], 2 * v[1] * v[1]])
        try Safetensors.write([("flow.residual1.dense1.weight", weight), ("flow.residual1.dense1.u", stale)],
                              metadata: [:], to: dir.appendingPathComponent("edited.safetensors").path)
        var lines: [String] = []
        interpreter.output = { lines.append($0) }
        try interpreter.run(SourceFile(name: "u.net", text: """
        load flow from "edited.safetensors"
        print check_lipschitz(flow).layers[0].norm
        """))
        XCTAssertEqual(try XCTUnwrap(Double(lines.last!)), 0.5, accuracy: 1e-6, lines.joined(separator: "\n"))
        XCTAssertEqual(try spectralNorm(interpreter.variables.value(w)), 2, accuracy: 1e-5)
    }

    /// Evaluating a flow's NLL does not change how a later model is initialised.
    func testEvaluationDoesNotConsumeModelSeeds() throws {
        let later = "model m(input: [3]) { dense(4) }\nprint sum(abs(m.dense1.weight))\n"
        let setup = "data d = generate(\"moons\", n: 10, seed: 0)\n" + model
        let quiet = try runScript(setup + later)
        let printing = try runScript(setup + "print flow_nll(flow, d, probes: 2)\nprint log_likelihood(flow, d, terms: 3)\n" + later)
        XCTAssertEqual(quiet.split(separator: "\n").last, printing.split(separator: "\n").last)
    }

    private func weightAndVector(_ interpreter: Interpreter) throws -> (Node, Node) {
        guard case let .model(m)? = interpreter.globals.lookup("flow") else { throw XCTSkip("no model") }
        func variable(_ leaf: String) -> Node { m.model.variables.first { ($0.operation as! VariableOp).label == "flow.residual1.dense1.\(leaf)" }! }
        return (variable("weight"), variable("u"))
    }

    /// 2·v vᵀ with v ⊥ u: norm 2, and Wᵀu = 0.
    private func orthogonalWeight(_ u: Tensor<Float>) -> String {
        let v = [Double(-u.scalars[1]), Double(u.scalars[0])]
        return "[[\(2 * v[0] * v[0]), \(2 * v[0] * v[1])], [\(2 * v[1] * v[0]), \(2 * v[1] * v[1])]]"
    }
}
