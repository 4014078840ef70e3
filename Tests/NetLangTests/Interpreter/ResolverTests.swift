import Foundation
import XCTest
@testable import NetLang

/// The resolver (phase 2: parse → resolve → run) reports name and call errors before any
/// statement runs, and never reports a name that exists at run time.
final class ResolverTests: XCTestCase {
    /// A misspelt name after a long train block fails at once: nothing trains, nothing prints.
    func testAMisspeltNameAfterTrainingFailsBeforeTraining() throws {
        let source = """
            model net(input: [2]) { dense(16) relu dense(1) }
            data points = dataset(randn([256, 2], seed: 1))
            print "start"
            train net on points {
              loss mean(net(x)^2)
              optimizer sgd(lr: 0.01)
              steps 1000000
            }
            print net_loss
            """
        let interpreter = Interpreter()
        var lines: [String] = []
        interpreter.output = { lines.append($0) }
        interpreter.progress.enabled = false
        let start = Date()
        XCTAssertThrowsError(try interpreter.run(SourceFile(name: "late.net", text: source))) { error in
            XCTAssertEqual("\(error)", """
                late.net:9:7: error: 'net_loss' is not defined
                  print net_loss
                        ^~~~~~~~
                """)
        }
        XCTAssertLessThan(Date().timeIntervalSince(start), 1)
        XCTAssertEqual(lines, [])
        XCTAssertTrue(interpreter.models.isEmpty)
    }

    func testNamesThatExistAtRunTimeAreNotErrors() throws {
        let folder = temporaryFolder("netl-resolve")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        try "fn double(x) = 2 * x\nlet offset = 10\n".write(to: folder.appendingPathComponent("lib.net"), atomically: true, encoding: .utf8)
        let output = try runScript("""
            if true { import "lib.net" }              # defines double and offset globally
            fn first(x) = second(x) + offset        # second is defined below
            fn second(x) = double(x)
            let later = fn(v) = helper(v)             # so is helper
            fn helper(v) = v - 1
            model net(input: [2]) { dense(1) }
            data points = dataset(randn([8, 2], seed: 1), [0, 1, 0, 1, 0, 1, 0, 1])
            train net on points {
              loss mean(net(x)^2) + 0 * sum(y)
              optimizer sgd(lr: 0.01)
              steps 1
              log epoch, loss
            }
            let total = 0
            for i in 3 { total = total + i }
            let f = fn(n = total) = n
            print first(1), later(3), total, points.x.shape[0], f(), net.dense1.weight.shape, shape(points.y)
            """, baseDirectory: folder.path)
        XCTAssertTrue(output.hasSuffix("12 2 3 8 3 [1, 2] [8]"), output)
    }

    /// Later entries of one session (the REPL) see the names of earlier ones; a user
    /// function shadowing a built-in is checked against its own parameters.
    func testLaterEntriesSeeEarlierNames() throws {
        let interpreter = Interpreter()
        var lines: [String] = []
        interpreter.output = { lines.append($0) }
        try interpreter.run(SourceFile(name: "<repl:1>", text: "fn randn(a, b, c) = a + b + c"))
        try interpreter.run(SourceFile(name: "<repl:2>", text: "let k = randn(1, 2, 3)"))
        try interpreter.run(SourceFile(name: "<repl:3>", text: "print k"))
        XCTAssertEqual(lines, ["6"])
        XCTAssertThrowsError(try interpreter.run(SourceFile(name: "<repl:4>", text: "print kk"))) { error in
            XCTAssertTrue("\(error)".contains("'kk' is not defined; did you mean 'k'?"), "\(error)")
        }
    }

    /// An import the resolver cannot read leaves its names to run time, which reports the file.
    func testAnUnreadableImportIsReportedAtRunTime() {
        let error = scriptError("import \"missing.net\"\nprint anything")
        XCTAssertTrue(error.contains("cannot read 'missing.net'"), error)
    }

    func testArgumentCompletionAndHelpComeFromTheDescriptions() throws {
        let names = try XCTUnwrap(ArgumentCompletion.candidates(before: "let l = flow_nll(f, x, "))
        XCTAssertEqual(names.prefix(2), ["model:", "x:"])
        XCTAssertTrue(names.contains("terms:") && names.contains("method:"), "\(names)")
        let rest = try XCTUnwrap(ArgumentCompletion.candidates(before: "flow_nll(f, x, terms: 3, probes: [1, 2], "))
        XCTAssertFalse(rest.contains("terms:") || rest.contains("probes:"))
        XCTAssertNil(ArgumentCompletion.candidates(before: "flow_nll(f, x)"))
        XCTAssertNil(ArgumentCompletion.candidates(before: "unknown_function("))
        let help = try XCTUnwrap(ArgumentCompletion.help("flow_nll"))
        XCTAssertTrue(help.hasPrefix("flow_nll(model, x, method: \"series\", terms: 5 (roulette: 2),"), help)
        XCTAssertTrue(help.contains("mean −log p(x)"), help)
    }
}
