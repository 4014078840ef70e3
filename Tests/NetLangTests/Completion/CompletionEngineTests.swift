import Foundation
@testable import NetLang
import XCTest

/// The completion shared by the REPL's Tab and `netl lsp` (CompletionEngine).
final class CompletionEngineTests: XCTestCase {
    /// A session that ran `data d = load_digits(…)` and defined a model, plus a record.
    private func session() throws -> Interpreter {
        let interpreter = Interpreter()
        interpreter.output = { _ in }
        try interpreter.run(SourceFile(name: "<test>", text: """
        data d = load_digits(test: 0.2, seed: 0)
        model m(input: [64]) { dense(4) relu dense(2) }
        """))
        // A record, as built-ins return them (no literal syntax for records).
        interpreter.globals.define("r", .record([("trained", .number(1)), ("train_loss", .number(2)), ("other", .number(3))]))
        return interpreter
    }

    private func context(_ s: Interpreter, commands: [String] = []) -> CompletionEngine.Context {
        CompletionEngine.Context(names: s.globals.allNames.sorted(), members: { s.memberNames(ofPath: $0) }, commands: commands)
    }

    func testMembersAfterADot() throws {
        let s = try session()
        XCTAssertEqual(CompletionEngine.complete(before: "print d.tr", context: context(s)).candidates.map(\.text), ["train"])
        XCTAssertEqual(CompletionEngine.complete(before: "d.train.", context: context(s)).candidates.map(\.text),
                       ["x", "y", "size", "count", "classes", "shape"])
        XCTAssertEqual(CompletionEngine.complete(before: "r.tra", context: context(s)).candidates.map(\.text), ["trained", "train_loss"])
        XCTAssertEqual(CompletionEngine.complete(before: "m.", context: context(s)).candidates.map(\.text),
                       ["dense1", "dense2", "parameters", "parameter_count", "input_shape", "output_shape"])
        // An unknown base or a number before the dot: nothing.
        XCTAssertEqual(CompletionEngine.complete(before: "nope.x", context: context(s)).candidates.count, 0)
        XCTAssertEqual(CompletionEngine.complete(before: "1.5", context: context(s)).candidates.count, 0)
    }

    func testNamesKeywordsLayersBuiltinsAndArguments() throws {
        let s = try session()
        let names = CompletionEngine.complete(before: "let z = con", context: context(s)).candidates
        XCTAssertEqual(Set(names.map(\.text)), ["concat", "condition_number", "constant_lr", "conv1d", "conv2d"])
        XCTAssertEqual(CompletionEngine.complete(before: "mod", context: context(s)).candidates.first, .init(text: "model", kind: .keyword))
        let arguments = CompletionEngine.complete(before: "adam(lr: 1, ", context: context(s)).candidates
        XCTAssertEqual(arguments.first?.kind, .argument)
        XCTAssertFalse(arguments.contains { $0.text == "lr:" })
        XCTAssertTrue(arguments.contains { $0.text == "weight_decay:" })
    }

    /// readline breaks words at ':' but not at '.': the candidates replace exactly its part.
    func testReadlineCandidatesForCommandsAndFields() throws {
        let s = try session()
        let commands = [":help", ":load", ":layers"]
        XCTAssertEqual(CompletionEngine.readlineCandidates(line: ":he", wordStart: 1, context: context(s, commands: commands)), ["help"])
        XCTAssertEqual(CompletionEngine.readlineCandidates(line: ":l", wordStart: 1, context: context(s, commands: commands)), ["load", "layers"])
        XCTAssertEqual(CompletionEngine.readlineCandidates(line: "print d.tr", wordStart: 6, context: context(s)), ["d.train"])
        XCTAssertEqual(CompletionEngine.readlineCandidates(line: "x = r.train_", wordStart: 4, context: context(s)), ["r.train_loss"])
        // Not a command after the first word.
        XCTAssertTrue(CompletionEngine.readlineCandidates(line: ":help fl", wordStart: 6, context: context(s, commands: commands)).contains("flow_nll"))
    }
}
