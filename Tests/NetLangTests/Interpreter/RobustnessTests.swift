import Foundation
import XCTest
@testable import NetLang
import NetRuntime

/// Issue 14: inputs that used to crash the interpreter (stack overflow, division by zero,
/// unbounded allocation) or mislead, each ending now in a located diagnostic or in the
/// right result.
final class RobustnessTests: XCTestCase {
    func testUnboundedRecursionIsALocatedError() {
        let message = scriptError("fn f(n) = f(n + 1)\nprint f(0)\n")
        XCTAssertTrue(message.contains("recursion deeper than \(Interpreter.maximumCallDepth) calls"), message)
        XCTAssertTrue(message.contains("test.net:1:11"), message)
    }

    func testRecursionBelowTheLimitWorks() throws {
        let out = try runScript("fn down(n) {\n  if n == 0 { return 0 }\n  return 1 + down(n - 1)\n}\nprint down(5000)\n")
        XCTAssertEqual(out, "5000")
    }

    func testLongAdditionChainEvaluatesAndChecks() throws {
        let source = "print " + Array(repeating: "1", count: 60_000).joined(separator: " + ") + "\n"
        XCTAssertEqual(try runScript(source), "60000")
        XCTAssertEqual(try runScript(source, checkOnly: true), "")
        let logic = "print " + Array(repeating: "true", count: 30_000).joined(separator: " and ") + " or false\n"
        XCTAssertEqual(try runScript(logic), "true")
    }

    func testLongIndexAndMemberChains() throws {
        let index = "let a = [[5]]\nprint a" + String(repeating: "[0]", count: 60_000) + "\n"
        XCTAssertTrue(scriptError(index).contains("cannot be indexed") || scriptError(index).contains("indices for a tensor"))
        let member = "data b = generate(\"blobs\", n: 30, test: 0.5)\nprint b" + String(repeating: ".train", count: 35_000) + ".size\n"
        XCTAssertTrue(scriptError(member).contains("has no 'train'"), scriptError(member))
        let calls = "fn id(v) = v\nprint id" + String(repeating: "(id)", count: 20_000) + "(7)\n"
        XCTAssertEqual(try runScript(calls), "7")
    }

    func testEvaluationOfAnEmptyDataSetIsAnError() {
        let source = """
        data b = generate("blobs", n: 3, test: 0.9)
        model m(input: [2]) { dense(3) }
        print cross_entropy(m, b.train)
        """
        let message = scriptError(source)
        XCTAssertTrue(message.contains("is empty"), message)
        XCTAssertTrue(scriptError("data b = generate(\"blobs\", n: 3)\nmodel m(input: [2]) { dense(3) }\nprint accuracy(m, take(b, 0))\n").contains("is empty"))
    }

    func testMeansAndLossesOfNothingAreErrorsNotZero() throws {
        let prefix = "data e = take(generate(\"blobs\", n: 5), 0)\nmodel m(input: [2]) { dense(3) }\nlet t = e.x\n"
        for (expr, message) in [("mean(t)", "mean of an empty tensor"), ("max(t)", "max of an empty tensor"),
                                ("mse(t, t)", "mse of no examples"), ("cross_entropy(m(t), e.y)", "cross_entropy of no examples"),
                                ("nll(sum(t, axis: 1))", "nll of no examples"), ("range(1e15)", "more than the 10000000")] {
            let error = scriptError(prefix + "print \(expr)\n")
            XCTAssertTrue(error.contains(message), error)
        }
        XCTAssertEqual(try runScript(prefix + "print sum(t), max(t, axis: 1)\n"), "0 []")
    }

    func testHugeResultsAndStringsAreErrorsNotAborts() {
        let broadcast = scriptError("print sum(zeros([100000, 1]) * zeros([1, 100000]))\n")
        XCTAssertTrue(broadcast.contains("would hold 10000000000 values"), broadcast)
        // Too large for any batch: refused where the model is defined; too large for this
        // batch: where it is applied.
        let definition = scriptError("model m(input: [1, 1000, 1000]) { conv2d(200, kernel: 3, padding: 1) }\n")
        XCTAssertTrue(definition.contains("test.net:1:35: error: conv2d would output [200, 1000, 1000] per example (200000000 values), more than 10⁸"), definition)
        let model = scriptError("model m(input: [1, 1000, 1000]) { conv2d(50, kernel: 3, padding: 1) }\nprint sum(m(zeros([4, 1, 1000, 1000])))\n")
        XCTAssertTrue(model.contains("activations of shape [4, 50, 1000, 1000] (200000000 values)"), model)
        XCTAssertNoThrow(try runScript("save_images(zeros([4]), \"a.png\", [2, 2], columns: 1e9)\n", checkOnly: true))
        let picture = scriptError("save_images(zeros([100000, 100]), \"a.png\", [10, 10])\n")
        XCTAssertTrue(picture.contains("more than 5·10⁷"), picture)
        let doubling = scriptError("let s = \"ab\"\nrepeat 100 { s = s + s }\n")
        XCTAssertTrue(doubling.contains("longer than 10⁸ bytes"), doubling)
    }

    func testImportingADeviceOrAFIFOIsRefusedBeforeReading() throws {
        let device = scriptError("import \"/dev/zero\"\n")
        XCTAssertTrue(device.contains("is a device, not a regular file"), device)
        let fifo = NSTemporaryDirectory() + "netl-fifo-\(UUID().uuidString).net"
        XCTAssertEqual(mkfifo(fifo, 0o600), 0)
        defer { unlink(fifo) }
        let message = scriptError("import \"\(fifo)\"\n")
        XCTAssertTrue(message.contains("is a FIFO"), message)
    }

    func testExtremeSpectraSettingsAreDiagnostics() {
        let prefix = "data s = generate_spectra(\"adsq\", tmas: 1, cores_per_tma: 2, spectra_per_core: 1, "
        XCTAssertTrue(scriptError(prefix + "bin_width: 1e-300)\n").contains("is too small"))
        XCTAssertTrue(scriptError(prefix + "noise: 1e308)\n").contains("non-finite intensities"))
        XCTAssertTrue(scriptError("print tof_grid(10, bin_width: 1e-300)\n").contains("no usable grid"))
    }

    /// Shapes whose size does not fit in an Int (three dimensions near 10⁹) used to stop
    /// the program on the overflow (tensor shapes, a model's input, a reshape target) or,
    /// in the library (built without overflow traps), to wrap into a wrong shape (flatten
    /// after a huge padding). Each is now a located diagnostic, at the layer where one is to blame.
    func testShapesTooLargeForAnIntAreDiagnostics() {
        let huge = "[999999999, 999999999, 999999999]"
        for (script, expected) in [
            ("let x = randn(\(huge))\n", "test.net:1:15: error: randn: shape \(huge) holds more than 10⁸ values"),
            ("let x = zeros(\(huge))\n", "zeros: shape \(huge) holds more than 10⁸ values"),
            ("model m(input: \(huge)) { dense(4) }\n", "shape \(huge) holds more than 10⁸ values"),
            ("let x = reshape(randn([4]), \(huge))\n", "cannot reshape [4] (4 values) to \(huge)"),
            ("let x = reshape(randn([4]), [999999999, 999999999, -1])\n", "cannot reshape [4] (4 values)"),
            ("model m(input: [3, 8, 8]) { conv2d(4, 3, padding: 999999999) flatten dense(4) }\n",
             "test.net:1:29: error: conv2d would output [4, 2000000004, 2000000004] per example (too many values), more than 10⁸"),
            ("model m(input: [1, 4, 4]) { conv2d(4, 3, padding: 9999) }\n",
             "test.net:1:29: error: conv2d would output [4, 20000, 20000] per example (1600000000 values), more than 10⁸"),
            ("model m(input: [100]) { dense(999999999) }\n", "test.net:1:25: error: dense would output [999999999] per example"),
            ("model m(input: [100000]) { dense(20000) }\n", "m.dense1 would hold more than 100000000 parameters (shape [20000, 100000])"),
            ("let x = sum(randn([4, 4]), axis: [1e18])\n", "sum: an axis is a whole number below the tensor's rank, got the number 1e+18"),
            ("let x = sum(randn([4, 4]), axis: 0.5)\n", "sum: an axis is a whole number below the tensor's rank, got the number 0.5"),
        ] {
            let message = scriptError(script)
            XCTAssertTrue(message.contains(expected), "\(script): \(message)")
        }
    }

    func testGeneratorsHaveTheSizeLimitOfZeros() {
        let message = scriptError("data d = generate(\"blobs\", n: 300000000)\n")
        XCTAssertTrue(message.contains("more than 10⁸ values"), message)
    }

    func testNegativeSeedsAreAnErrorNotACrash() throws {
        for call in ["generate(\"blobs\", n: 10, seed: -1)", "shuffle(generate(\"blobs\", n: 4), seed: -5)", "randn([2], seed: -1)",
                     "sample(m, 2, seed: -1)", "kfold(generate(\"blobs\", n: 4), 2, seed: -3)"] {
            let message = scriptError("model m(input: [2]) { residual lipschitz(c: 0.5) { dense(4) elu dense(2) } }\nprint \(call)\n")
            XCTAssertTrue(message.contains("'seed' must be at least 0"), message)
        }
        XCTAssertEqual(try runScript("print generate(\"blobs\", n: 10, seed: 3, test: 0.5).size\n"), "10")
    }

    func testLabelsOutOfRangeNameTheRowAndValue() {
        let message = scriptError("print cross_entropy([[0, 0]], [5])\n")
        XCTAssertTrue(message.contains("row 0: label 5 is not a class 0…1"), message)
        let training = """
        let x = [[0, 1], [1, 0], [1, 1]]
        data d = dataset(x, [0, 1, -1], name: "pairs")
        model m(input: [2]) { dense(2) }
        train m on d {
          loss cross_entropy(m(x), y)
          epochs 1
        }
        """
        let t = scriptError(training)
        XCTAssertTrue(t.contains("data set 'pairs', row 2: label -1"), t)
    }

    func testSuggestionsIgnoreCaseAndCountSwapsAsOneEdit() {
        XCTAssertEqual(suggestion(for: "rleu", among: ["relu", "elu", "tanh"]), "relu")
        XCTAssertEqual(suggestion(for: "Relu", among: ["relu", "elu", "tanh"]), "relu")
        XCTAssertNil(suggestion(for: "xyz", among: ["relu", "elu", "tanh"]))
        let layer = scriptError("model m(input: [2]) {\n  dense(3)\n  rleu\n}\n")
        XCTAssertTrue(layer.contains("did you mean 'relu'?"), layer)
    }

    func testMisspeltArgumentIsSuggestedWithTheCaretUnderItsName() {
        let message = scriptError("print zeros([2], sead: 1)\n")
        let source = "print generate(\"blobs\", n: 10, sead: 3)\n"
        let m2 = scriptError(source)
        XCTAssertTrue(m2.contains("has no argument named 'sead'; did you mean 'seed'?"), m2)
        XCTAssertTrue(m2.contains("test.net:1:32"), m2)   // the column of 'sead', not of 3
        XCTAssertFalse(message.isEmpty)
        let user = scriptError("fn f(alpha) = alpha\nprint f(aplha: 1)\n")
        XCTAssertTrue(user.contains("did you mean 'alpha'?") && user.contains("test.net:2:9"), user)
    }

    func testWholeNumbersAreNotRejectedForTheirSize() {
        let message = scriptError("let xs = [1, 2]\nprint xs[1e12]\n")
        XCTAssertTrue(message.contains("index 1000000000000 is outside"), message)
        let big = scriptError("repeat 1e300 { print 1 }\n")
        XCTAssertTrue(big.contains("too large"), big)
    }
}

/// Found by scripts/fuzz.py.
final class FuzzFindingsTests: XCTestCase {
    func testABlockUsingItselfIsARecursionError() {
        let message = scriptError("block unit(k = 3) {\n  unit(k: 1)\n}\nmodel m(input: [4]) {\n  unit()\n}\n")
        XCTAssertTrue(message.contains("recursion deeper than"), message)
        XCTAssertTrue(message.contains("test.net:2:3"), message)
    }

    func testAHugeKernelInsideAResidualIsAShapeError() {
        let message = scriptError("model m(input: [1, 8, 8]) {\n  residual { conv2d(1, kernel: 1e15) }\n}\n")
        XCTAssertTrue(message.contains("conv2d: 'kernel' is far too large"), message)
        XCTAssertTrue(message.contains("test.net:2:32"), message)
    }

    func testPowerSeriesTermsAreBounded() {
        let message = scriptError("model f(input: [2]) { residual lipschitz(0.9) { dense(4) elu dense(2) } }\nprint flow_nll(f, [[0, 1]], terms: 1e9)\n")
        XCTAssertTrue(message.contains("'terms' must be at most 1000"), message)
    }

    func testNestedRepeatsAreBounded() {
        let message = scriptError("model m(input: [4]) {\n  repeat 1000 {\n    repeat 1000 { relu }\n  }\n}\n")
        XCTAssertTrue(message.contains("more than 100000 layers"), message)
    }
}

/// Ctrl-C (`Interruption.request()`, what the REPL's SIGINT handler calls) stops a long
/// evaluation with a diagnostic and keeps every binding.
final class InterruptionTests: XCTestCase {
    func interruptSoon() {
        DispatchQueue.global().asyncAfter(deadline: .now() + 0.3) { Interruption.request() }
    }

    func testALongLoopIsInterruptedAndBindingsKept() throws {
        let interpreter = Interpreter()
        var lines: [String] = []
        interpreter.output = { lines.append($0) }
        try interpreter.run(SourceFile(name: "a.net", text: "let keep = 41\n"))
        interruptSoon()
        XCTAssertThrowsError(try interpreter.run(SourceFile(name: "b.net", text: "repeat 1000000000 { let z = keep }\n"))) {
            XCTAssertEqual(($0 as? Diagnostic)?.message, "interrupted")
        }
        XCTAssertFalse(Interruption.isRequested)
        try interpreter.run(SourceFile(name: "c.net", text: "print keep + 1\n"))
        XCTAssertEqual(lines, ["42"])
    }

    func testAGeneratorIsInterrupted() throws {
        let interpreter = Interpreter()
        interruptSoon()
        let start = Date()
        XCTAssertThrowsError(try interpreter.run(SourceFile(name: "g.net", text: "data d = generate(\"moons\", n: 40000000)\n"))) {
            XCTAssertEqual(($0 as? Diagnostic)?.message, "interrupted")
        }
        XCTAssertLessThan(Date().timeIntervalSince(start), 10)
        XCTAssertNil(interpreter.globals.lookup("d"))
    }
}

final class LongLineDiagnosticTests: XCTestCase {
    func testAVeryLongLineIsShownAsAWindowAroundTheCaret() {
        let message = scriptError("print " + Array(repeating: "1", count: 5000).joined(separator: " + ") + " + nope\n")
        let lines = message.split(separator: "\n")
        XCTAssertEqual(lines.count, 3, message)
        XCTAssertTrue(lines[1].hasPrefix("  …") && lines[1].hasSuffix("nope"), String(lines[1]))
        XCTAssertLessThan(lines[1].count, 200)
        let caret = lines[2].firstIndex(of: "^").map { lines[2].distance(from: lines[2].startIndex, to: $0) }
        let word = lines[1].range(of: "nope").map { lines[1].distance(from: lines[1].startIndex, to: $0.lowerBound) }
        XCTAssertEqual(caret, word)
    }
}

final class ChainLengthTests: XCTestCase {
    func testOverlongChainsAreAParseErrorNotACrashWhenFreed() {
        let source = "fn f() = " + Array(repeating: "1", count: 150_000).joined(separator: "+") + "\nprint f()\n"
        let message = scriptError(source)
        XCTAssertTrue(message.contains("more than 100000 operands"), message)
        let members = "print a" + String(repeating: ".b", count: 100_001) + "\n"
        XCTAssertTrue(scriptError(members).contains("more than 100000 operands"))
    }
}
