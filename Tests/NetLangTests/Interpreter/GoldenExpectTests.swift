import Foundation
import XCTest
@testable import NetLang

/// Runs every script of Tests/NetLangTests/Golden/expect (subfolders included) and checks
/// its printed lines and final error against the inline `# expect` comments
/// (`GoldenExpectation` describes the format). Each script runs in a fresh interpreter,
/// seed 0, with its own folder as base directory; scripts must not write files.
/// NETL_GOLDEN_FILTER=substring runs only the scripts whose path contains it.
final class GoldenExpectTests: XCTestCase {
    static let folder = repositoryRoot.appendingPathComponent("Tests/NetLangTests/Golden/expect")

    func testEveryGoldenScript() throws {
        let filter = ProcessInfo.processInfo.environment["NETL_GOLDEN_FILTER"]
        let scripts = try Self.scripts().filter { filter == nil || $0.contains(filter!) }
        XCTAssertFalse(scripts.isEmpty, "no golden scripts in \(Self.folder.path)")
        for script in scripts { try check(script) }
    }

    /// The runner itself fails on wrong output, on a missing error and on extra output.
    func testRunnerRejectsMismatches() {
        XCTAssertTrue(GoldenExpectation.matches(actual: "loss 0.812345", expected: "loss 0.8123", tolerance: nil))
        XCTAssertFalse(GoldenExpectation.matches(actual: "loss 0.8126", expected: "loss 0.8123", tolerance: nil))
        XCTAssertTrue(GoldenExpectation.matches(actual: "loss 0.8126", expected: "loss 0.8123", tolerance: 1e-3))
        XCTAssertFalse(GoldenExpectation.matches(actual: "21", expected: "20", tolerance: nil))
        XCTAssertFalse(GoldenExpectation.matches(actual: "dense2 1", expected: "dense1 1", tolerance: nil))
        XCTAssertTrue(GoldenExpectation.matches(actual: "[[1, 2.5], [nan, -inf]]", expected: "[[1, 2.5], [nan, -inf]]", tolerance: nil))
        XCTAssertEqual(GoldenExpectation.halfUnit(of: "1.5e-3"), 0.5e-4, accuracy: 1e-18)
        let failures = Self.failures(of: "print 2\nprint 3", name: "t.net", expectations: GoldenExpectation.parse("# expect: 2\n# expect: 4"))
        XCTAssertEqual(failures.count, 1)
        let missing = Self.failures(of: "print 2", name: "t.net", expectations: GoldenExpectation.parse("# expect error: 1:1 nope"))
        XCTAssertEqual(missing.count, 2, "\(missing)")  // unexpected output and no error
    }

    static func scripts() throws -> [String] {
        guard let walker = FileManager.default.enumerator(atPath: folder.path) else { return [] }
        return walker.compactMap { $0 as? String }.filter { $0.hasSuffix(".net") }.sorted()
    }

    private func check(_ script: String) throws {
        let url = Self.folder.appendingPathComponent(script)
        let source = try String(contentsOf: url, encoding: .utf8)
        let expectations = GoldenExpectation.parse(source)
        XCTAssertFalse(expectations.isEmpty, "\(script) has no '# expect' comment")
        for failure in Self.failures(of: source, name: script, expectations: expectations,
                                     baseDirectory: url.deletingLastPathComponent().path) {
            XCTFail(failure)
        }
    }

    /// What does not match, one message per problem (empty when the script passes).
    static func failures(of source: String, name: String, expectations: [GoldenExpectation],
                         baseDirectory: String = FileManager.default.temporaryDirectory.path) -> [String] {
        let interpreter = Interpreter(seed: 0, baseDirectory: baseDirectory)
        interpreter.progress.enabled = false
        var printed: [String] = []
        interpreter.output = { printed += $0.components(separatedBy: "\n") }
        var diagnostics: [Diagnostic] = []
        var otherError: Error?
        do {
            try interpreter.run(SourceFile(name: name, text: source))
        } catch let d as Diagnostic {
            diagnostics = [d]
        } catch let list as DiagnosticList {
            diagnostics = list.diagnostics
        } catch {
            otherError = error
        }
        var problems: [String] = []
        if let otherError { problems.append("\(name): failed without a diagnostic: \(otherError)") }
        var line = 0
        for e in expectations {
            switch e.kind {
            case .output(let text, _), .outputPrefix(let text):
                guard line < printed.count else {
                    problems.append("\(name):\(e.sourceLine): expected output '\(text)', but the script printed nothing more")
                    continue
                }
                let ok: Bool
                if case let .output(_, tolerance) = e.kind {
                    ok = GoldenExpectation.matches(actual: printed[line], expected: text, tolerance: tolerance)
                } else {
                    ok = printed[line].hasPrefix(text)
                }
                if !ok { problems.append("\(name):\(e.sourceLine): expected '\(text)', got '\(printed[line])'") }
                line += 1
            case let .error(l, c, substring):
                let found = diagnostics.firstIndex { d in
                    guard d.message.contains(substring) else { return false }
                    guard let l, let c else { return true }
                    guard let span = d.span else { return false }
                    let at = span.file.location(of: span.start)
                    return at.line == l && at.column == c
                }
                if let found { diagnostics.remove(at: found) } else {
                    let location = l.map { "\($0):\(c!) " } ?? ""
                    problems.append("\(name):\(e.sourceLine): expected error \(location)'\(substring)', got \(diagnostics.isEmpty ? "no error" : diagnostics.map(\.description).joined(separator: "\n"))")
                }
            }
        }
        if line < printed.count { problems.append("\(name): unexpected output from line \(line + 1): \(printed[line...].joined(separator: " | "))") }
        for d in diagnostics { problems.append("\(name): unexpected error \(d)") }
        return problems
    }
}
