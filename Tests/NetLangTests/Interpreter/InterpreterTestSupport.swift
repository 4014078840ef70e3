import Foundation
import XCTest
@testable import NetLang

/// Runs NetLang source in a fresh interpreter and returns what it printed.
func runScript(_ source: String, seed: UInt64 = 0, checkOnly: Bool = false, overrides: [String: Value] = [:],
               baseDirectory: String = FileManager.default.currentDirectoryPath) throws -> String {
    let interpreter = Interpreter(seed: seed, baseDirectory: baseDirectory)
    interpreter.checkOnly = checkOnly
    interpreter.overrides = overrides
    interpreter.progress.enabled = false
    var lines: [String] = []
    interpreter.output = { lines.append($0) }
    try interpreter.run(SourceFile(name: "test.net", text: source))
    return lines.joined(separator: "\n")
}

/// The rendered diagnostics of a script that must fail.
func scriptError(_ source: String, file: StaticString = #filePath, line: UInt = #line) -> String {
    do {
        _ = try runScript(source)
        XCTFail("expected an error", file: file, line: line)
        return ""
    } catch {
        return "\(error)"
    }
}

/// The repository root, from this file's path.
let repositoryRoot: URL = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent()
