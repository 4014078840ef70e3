import Foundation
import XCTest
@testable import NetLang

/// Runs NetLang source in a fresh interpreter and returns what it printed.
///
/// Files the script writes go to `outputDirectory`; by default a fresh temporary folder,
/// deleted after the run, so that no test writes into the source tree (a test that reads
/// what a script wrote passes a folder of its own).
func runScript(_ source: String, seed: UInt64 = 0, checkOnly: Bool = false, overrides: [String: Value] = [:],
               baseDirectory: String = FileManager.default.currentDirectoryPath, outputDirectory: String? = nil) throws -> String {
    let scratch = outputDirectory == nil ? temporaryFolder("netl-out") : nil
    defer { if let scratch { try? FileManager.default.removeItem(at: scratch) } }
    let interpreter = Interpreter(seed: seed, baseDirectory: baseDirectory, outputDirectory: outputDirectory ?? scratch!.path)
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

/// A fresh, not yet created folder under the temporary directory (created by the first
/// file written into it).
func temporaryFolder(_ prefix: String) -> URL {
    FileManager.default.temporaryDirectory.appendingPathComponent("\(prefix)-\(UUID().uuidString)")
}

/// Every file under a folder with its size and modification time, to show that a run
/// changed nothing there.
func folderSnapshot(_ folder: URL) -> [String: String] {
    var snapshot: [String: String] = [:]
    let keys: [URLResourceKey] = [.fileSizeKey, .contentModificationDateKey, .isDirectoryKey]
    for case let url as URL in FileManager.default.enumerator(at: folder, includingPropertiesForKeys: keys) ?? FileManager.DirectoryEnumerator() {
        let values = try? url.resourceValues(forKeys: Set(keys))
        let stamp = values?.contentModificationDate?.timeIntervalSince1970 ?? 0
        snapshot[url.path] = values?.isDirectory == true ? "folder" : "\(values?.fileSize ?? -1) bytes, modified \(stamp)"
    }
    return snapshot
}

/// A quiet session (seed 0, output and progress off) that keeps its warnings, for tests
/// that enter statements one by one as the REPL does.
final class WarningSession {
    let interpreter = Interpreter(seed: 0)
    private(set) var warnings: [Diagnostic] = []

    init(checkOnly: Bool = false) {
        interpreter.checkOnly = checkOnly
        interpreter.output = { _ in }
        interpreter.progress.enabled = false
        interpreter.warning = { [unowned self] in warnings.append($0) }
    }

    func enter(_ text: String, name: String = "test.net") throws {
        try interpreter.run(SourceFile(name: name, text: text))
    }

    func display(_ name: String) -> String? { interpreter.globals.lookup(name).map(interpreter.display) }
}
