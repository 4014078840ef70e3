import Foundation
import XCTest
@testable import NetLang

/// `netl check` evaluates shapes, not tensors, at the top level (issue 25,
/// ShapeOnlyTensors.swift): large tensors are shape-only, small computations stay exact,
/// and every shape error a run would report is still reported, at the same place.
final class ShapeOnlyCheckTests: XCTestCase {
    /// The checked session and the rendered error (nil when the check passed).
    private func check(_ source: String, extra: [String: Value] = [:]) -> (Interpreter, String?) {
        let interpreter = Interpreter()
        interpreter.checkOnly = true
        interpreter.output = { _ in XCTFail("a check prints nothing") }
        interpreter.progress.enabled = false
        for (name, value) in extra { interpreter.globals.define(name, value) }
        do { try interpreter.run(SourceFile(name: "test.net", text: source)) } catch { return (interpreter, "\(error)") }
        return (interpreter, nil)
    }

    private func shape(_ interpreter: Interpreter, _ name: String) -> [Int]? {
        guard let v = interpreter.globals.lookup(name) else { return nil }
        return interpreter.shapeOf(v)
    }

    private func isShapeOnly(_ interpreter: Interpreter, _ name: String) -> Bool {
        if case .node? = interpreter.globals.lookup(name) { return true }
        return false
    }

    /// Five products of 10⁸-value matrices: ~10¹³ multiply-adds and 4 GB if computed.
    /// Checked as shapes, it takes milliseconds (the bound leaves room for a loaded machine).
    func testLargeProductsAreShapesOnly() {
        let source = """
        let a = randn([10000, 10000])
        let b = a @ a
        let c = b @ a
        let d = c @ b
        let e = d @ c
        let f = e @ d
        let total = sum(f)
        let rows = len(f)
        print total, f
        """
        let start = Date()
        let (interpreter, error) = check(source)
        XCTAssertNil(error)
        XCTAssertLessThan(Date().timeIntervalSince(start), 10)
        for name in ["a", "b", "f"] {
            XCTAssertTrue(isShapeOnly(interpreter, name), name)
            XCTAssertEqual(shape(interpreter, name), [10000, 10000], name)
        }
        // A small result of a large operation is a placeholder of its shape: zeros.
        guard case let .number(total)? = interpreter.globals.lookup("total") else { return XCTFail("total is a number") }
        XCTAssertEqual(total, 0)
        guard case let .number(rows)? = interpreter.globals.lookup("rows") else { return XCTFail("rows is a number") }
        XCTAssertEqual(rows, 10000)
    }

    /// The same script under `netl run` computes (small sizes here): the check's values
    /// differ only in being shape-only.
    func testSmallComputationsAreExactInACheck() {
        var ticks = 0
        let tick = Value.function(Callable(name: "tick") { _, _ in ticks += 1; return .none })
        let source = """
        let x = [1, 2, 3] * 2
        if sum(x) == 12 {
          tick()
        }
        let n = int(sum(x))
        repeat n {
          tick()
        }
        let m = zeros([100, 100]) @ ones([100, 100])
        """
        let (interpreter, error) = check(source, extra: ["tick": tick])
        XCTAssertNil(error)
        XCTAssertEqual(ticks, 2)   // the branch, and the loop body once (its state repeats)
        XCTAssertFalse(isShapeOnly(interpreter, "m"), "a 100×100 product touches 30,000 values: computed")
    }

    /// Shape errors of large tensors: the diagnostic a run gives, at the same place.
    func testShapeErrorsOfLargeTensorsAreReported() throws {
        let cases: [(String, String)] = [
            ("let a = randn([10000, 10000])\nlet b = ones([3, 10000])\nlet c = a @ b\n",
             "test.net:3:9: error: '@' needs matrices [m, k] and [k, n], got [10000, 10000] and [3, 10000]"),
            ("let a = zeros([1000, 1000])\nlet b = a + ones([999])\n",
             "test.net:2:9: error: shapes [1000, 1000] and [999] do not broadcast for '+'"),
            ("let a = rand([100000, 1])\nlet b = a * zeros([1, 100000])\n",
             "test.net:2:9: error: the result would hold 10000000000 values (shape [100000, 100000]), more than 10⁸"),
            ("let a = randn([500, 500])\nlet b = maximum(a @ a, ones([3, 500]))\n",
             "test.net:2:17: error: maximum: shapes [500, 500] and [3, 500] do not broadcast"),
            ("let a = randn([500, 500])\nlet b = reshape(a, [3, 7])\n",
             "test.net:2:20: error: cannot reshape [500, 500] (250000 values) to [3, 7]"),
            ("model m(input: [784]) { dense(10) }\nlet y = m(randn([1000, 784]))\nlet z = y @ y\n",
             "test.net:3:9: error: '@' needs matrices [m, k] and [k, n], got [1000, 10] and [1000, 10]"),
            ("let a = randn([1000, 1000])\nlet b = sum(a, axis: 2)\n", "test.net:2:22: error: axis 2 is outside a tensor of rank 2"),
            ("let a = randn([1000, 1000])\nlet b = a[1000]\n", "test.net:2:11: error: index 1000 is outside axis 0 of size 1000"),
            ("let a = randn([1000, 1000])\nlet b = concat([a, zeros([5, 3])])\n",
             "test.net:2:16: error: concat along axis 0: shapes [[1000, 1000], [5, 3]] do not fit"),
        ]
        for (source, expected) in cases {
            let (_, error) = check(source)
            XCTAssertEqual(error?.split(separator: "\n").first.map(String.init), expected, source)
            // The scripts small enough to run fail there with the same diagnostic.
            if !source.contains("10000") {
                XCTAssertEqual(scriptError(source), error, source)
            }
        }
    }

    /// A model applied to a shape-only batch: outputs of the right shape, without reading
    /// the inputs; a large batch of outputs stays shape-only.
    func testModelsOnShapeOnlyInputs() {
        let source = """
        model m(input: [1000]) { dense(10) }
        let x = randn([50000, 1000])
        let y = m(x)
        let z = m(randn([100, 1000]))
        let big = m(randn([20000, 1000]))
        """
        let (interpreter, error) = check(source)
        XCTAssertNil(error)
        XCTAssertEqual(shape(interpreter, "y"), [50000, 10])
        XCTAssertEqual(shape(interpreter, "z"), [100, 10])
        XCTAssertTrue(isShapeOnly(interpreter, "big"))
        XCTAssertFalse(isShapeOnly(interpreter, "z"))
    }

    /// Loops over shape-only tensors settle like any other (their signature is the shape),
    /// and nothing they build stays in the session graph beyond what names hold.
    func testLoopsOverShapeOnlyTensors() {
        let source = """
        let w = randn([3000, 3000])
        let h = randn([64, 3000])
        for step in 1000 {
          h = tanh(h @ w)
        }
        """
        let (interpreter, error) = check(source)
        XCTAssertNil(error)
        XCTAssertEqual(shape(interpreter, "h"), [64, 3000])
        XCTAssertLessThan(interpreter.graph.count, 20)
    }
}
