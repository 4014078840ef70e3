import Foundation
import XCTest
@testable import NetLang
import NetRuntime

/// Issue 24 item 7: lambdas with a body of statements, `floor` / `round` / `int`, and the
/// warning when a model with trained (or loaded) weights is redefined.
final class LanguageNicetiesTests: XCTestCase {
    func testBlockLambdasReturnTheirReturnValue() throws {
        let out = try runScript("""
        let clip = fn(v, lo = 0) {
          if v < lo { return lo }
          return v
        }
        fn apply(f, x) = f(x)
        let calls = 0
        print clip(-3), clip(2), clip(-3, lo: -1), apply(fn(x) {
          let y = 2 * x
          calls = calls + 1
          return y + 1
        }, 10), calls
        let quiet = fn(x) { let unused = x }
        print quiet(1)
        """)
        XCTAssertEqual(out, "0 2 -1 21 1\nnothing")
    }

    /// A block lambda differentiated by grad and vjp: the gradient of Σ 3·(x²) + sin-free
    /// polynomial terms, against the hand derivative 6x + 1.
    func testBlockLambdasAreDifferentiable() throws {
        let out = try runScript("""
        let g = grad(fn(x) {
          let y = square(x)
          let z = 3 * y + x
          return sum(z)
        }, [1, -2, 0.5])
        print g
        """)
        XCTAssertEqual(out, "[7, -11, 4]")
    }

    /// Inside a call's parentheses a lambda body's lines still end its statements, and
    /// after its "}" newlines inside the call are ignored again.
    func testLambdaBodiesInsideCallsKeepTheirLines() throws {
        let out = try runScript("""
        fn pair(f, a, b) = [f(a), f(b)]
        print pair(fn(x) {
          let y = x + 1
          return y * y
        },
          2,
          3)
        """)
        XCTAssertEqual(out, "[9, 16]")
    }

    func testBlockLambdaErrorsAreLocated() {
        let unclosed = scriptError("let f = fn(x) {\n  return x\n")
        XCTAssertTrue(unclosed.contains("test.net:2:11: error: expected '}' to close the body of the anonymous function"), unclosed)
        XCTAssertTrue(unclosed.contains("test.net:1:15: note: '{' opened here"), unclosed)
        let noBody = scriptError("let f = fn(x) x + 1\n")
        XCTAssertTrue(noBody.contains("test.net:1:15: error: expected '=' followed by the result of the anonymous function, or '{' and a body, found 'x'"), noBody)
        let inside = scriptError("let f = fn(x) {\n  return y\n}\nprint f(1)\n")
        XCTAssertTrue(inside.contains("test.net:2:10: error: 'y' is not defined"), inside)
    }

    func testFloorRoundAndIntOnNumbersAndTensors() throws {
        let out = try runScript("""
        print floor(2.7), floor(-2.5), round(2.5), round(3.5), round(-2.7), int(-2.7), int(2.7), int(" 42 ") + 1
        print floor([1.5, -1.5]), round([0.5, 1.5, 2.5]), int([2.9, -2.9])
        print shape(floor(zeros([2, 3]))), floor(1e300) == 1e300
        """)
        XCTAssertEqual(out, "2 -3 2 4 -3 -2 2 43\n[1, -2] [0, 2, 2] [2, -2]\n[2, 3] true")
        for (call, message) in [("int(\"4x2\")", "int: \"4x2\" is not a whole number written in digits"),
                                ("int(1 / 0)", "int: inf has no whole-number value"),
                                ("int(true)", "int needs a number, a tensor or a string, got"),
                                ("floor(\"a\")", "expected a tensor")] {
            let error = scriptError("print \(call)\n")
            XCTAssertTrue(error.contains("test.net:1:") && error.contains(message), "\(call): \(error)")
        }
    }

    /// floor, round and int have gradient 0 (as in PyTorch and JAX), also inside a loss:
    /// grad of Σ (floor(3x) + round(x) + int(x) + x) is 1 everywhere.
    func testRoundingHasZeroGradient() throws {
        let out = try runScript("print grad(fn(x) = sum(floor(3 * x) + round(x) + int(x) + x), [0.2, 0.9, -1.7])")
        XCTAssertEqual(out, "[1, 1, 1]")
    }

    /// Counts in messages agree in number ("1 iteration", not "1 iterations").
    func testCountsAgreeInNumber() throws {
        XCTAssertEqual(counted(1, "iteration"), "1 iteration")
        XCTAssertEqual(counted(0, "iteration"), "0 iterations")
        XCTAssertEqual(counted(3, "batch", plural: "batches"), "3 batches")
        // One power iteration before the first step: a run that converges at once says so in the singular.
        let out = try runScript("""
        data d = generate("moons", n: 32, seed: 0)
        model f(input: [2]) { residual lipschitz(c: 0.5, tolerance: 1e-3) { dense(4) elu dense(2) } }
        train f on d { loss flow_nll(f, x) epochs 1 batch 32 }
        """)
        let line = try XCTUnwrap(out.split(separator: "\n").first { $0.hasPrefix("power iteration to tolerance:") })
        XCTAssertFalse(line.contains(" 1 iterations") || line.contains(" 1 steps"), String(line))
        XCTAssertTrue(out.contains("trained f for 1 step (1 epoch of 1 batch of 32)"), out)
    }

    /// The REPL's hook: redefining a trained or loaded model warns, with a note at the old
    /// definition; an untrained one is redefined silently.
    func testRedefiningATrainedModelWarns() throws {
        let folder = temporaryFolder("netl-redefine")
        defer { try? FileManager.default.removeItem(at: folder) }
        let interpreter = Interpreter(seed: 0, baseDirectory: folder.path, outputDirectory: folder.path)
        interpreter.progress.enabled = false
        interpreter.output = { _ in }
        var warnings: [Diagnostic] = []
        interpreter.warning = { warnings.append($0) }
        func enter(_ text: String) throws { try interpreter.run(SourceFile(name: "<repl>", text: text)) }
        try enter("model f(input: [2]) { dense(3) }")
        try enter("model f(input: [2]) { dense(3) }")
        XCTAssertTrue(warnings.isEmpty, "an untrained model is redefined silently")
        try enter("""
        data d = generate("blobs", n: 40, seed: 1)
        train f on d {
          loss cross_entropy(f(x), y)
          optimizer adam()
          epochs 2 batch 20
        }
        save f to "f.safetensors"
        """)
        try enter("model f(input: [2]) { dense(3) }")
        XCTAssertEqual(warnings.count, 1)
        XCTAssertEqual(warnings.first?.severity, .warning)
        XCTAssertTrue(warnings.first?.message.contains("this redefines 'f', which was trained for 4 steps: its weights are discarded") ?? false, "\(warnings)")
        XCTAssertEqual(warnings.first?.notes.first?.message, "the model 'f' trained for 4 steps was defined here")
        try enter("load f from \"f.safetensors\"")
        try enter("model f(input: [2]) { dense(3) }")
        XCTAssertEqual(warnings.count, 2)
        XCTAssertTrue(warnings.last?.message.contains("which was loaded from \"f.safetensors\"") ?? false, "\(warnings)")
        // Scripts run without the hook: nothing is reported and the redefinition goes ahead.
        XCTAssertNoThrow(try runScript("model f(input: [2]) { dense(3) }\nmodel f(input: [2]) { dense(4) }\nprint shape(f([[1, 2]]))"))
    }
}
