import Foundation
import XCTest

/// editors/vscode/extension.js run by node against a stand-in for VS Code's API
/// (VSCodeHarness/node_modules/vscode: records the diagnostics and providers the extension
/// registers) and a real `netl lsp`: the extension's JSON-RPC client, its conversion of
/// diagnostics, hover, completion and symbols, and its shutdown. VS Code itself is not run.
final class VSCodeExtensionTests: XCTestCase {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    func testTheExtensionCarriesTheServersAnswersToTheEditor() throws {
        try requireNetl()
        guard let node = ["/usr/bin/node", "/usr/bin/nodejs", "/usr/local/bin/node"].first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            throw XCTSkip("node is not installed (apt-get install nodejs; `make deps` installs it): the VS Code extension test is skipped")
        }
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("netl-vscode-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let script = folder.appendingPathComponent("broken.net")
        try "model m(input: [4]) {\n  dense(8) relu\n  dence(2)\n}\nprint parameter_count(m)\n".write(to: script, atomically: true, encoding: .utf8)

        let harness = Self.root.appendingPathComponent("Tests/NetlTests/VSCodeHarness")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: node)
        process.arguments = [harness.appendingPathComponent("drive.js").path]
        var environment = ProcessInfo.processInfo.environment
        environment["NODE_PATH"] = harness.appendingPathComponent("node_modules").path
        environment["NETL"] = netl.path
        environment["EXTENSION"] = Self.root.appendingPathComponent("editors/vscode/extension.js").path
        environment["SCRIPT"] = script.path
        environment["HOVER"] = "dense(8)"
        process.environment = environment
        let output = Pipe(), errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        DispatchQueue.global().asyncAfter(deadline: .now() + 120) { if process.isRunning { process.terminate() } }
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let stderr = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        XCTAssertEqual(process.terminationStatus, 0, stderr)

        let result = try XCTUnwrap(JSONSerialization.jsonObject(with: data) as? [String: Any], stderr)
        let diagnostics = try XCTUnwrap(result["diagnostics"] as? [[String: Any]])
        XCTAssertEqual(diagnostics.count, 1)
        XCTAssertEqual(diagnostics.first?["line"] as? Int, 2)
        XCTAssertEqual(diagnostics.first?["character"] as? Int, 2)
        XCTAssertEqual(diagnostics.first?["severity"] as? Int, 0)   // vscode.DiagnosticSeverity.Error
        XCTAssertEqual(diagnostics.first?["message"] as? String, "unknown layer 'dence'; did you mean 'dense'?")
        XCTAssertTrue((result["hover"] as? String)?.contains("layer dense(units") == true, "\(result)")
        XCTAssertGreaterThan(result["completions"] as? Int ?? 0, 0)
        XCTAssertEqual(result["symbols"] as? [String], ["m"])
    }
}
