import Foundation
import XCTest
@testable import NetLang

/// The wording of common run-time and check errors, pinned by golden files:
/// Golden/run_errors/NAME.net must fail with exactly NAME.expected.
/// Set NETL_UPDATE_GOLDEN=1 to rewrite the expected files.
final class RunErrorGoldenTests: XCTestCase {
    func testGoldenErrors() throws {
        let folder = repositoryRoot.appendingPathComponent("Tests/NetLangTests/Golden/run_errors")
        let scripts = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".net") }.sorted()
        XCTAssertGreaterThanOrEqual(scripts.count, 10)
        for script in scripts {
            let source = try String(contentsOf: folder.appendingPathComponent(script), encoding: .utf8)
            let interpreter = Interpreter(baseDirectory: repositoryRoot.appendingPathComponent("examples/ch2").path,
                                          outputDirectory: temporaryFolder("netl-golden").path)
            interpreter.output = { _ in }
            interpreter.progress.enabled = false
            var rendered = ""
            do { try interpreter.run(SourceFile(name: script, text: source)) } catch { rendered = "\(error)" }
            XCTAssertFalse(rendered.isEmpty, "\(script) should fail")
            let expectedURL = folder.appendingPathComponent(script.replacingOccurrences(of: ".net", with: ".expected"))
            if ProcessInfo.processInfo.environment["NETL_UPDATE_GOLDEN"] != nil {
                try (rendered + "\n").write(to: expectedURL, atomically: true, encoding: .utf8)
                continue
            }
            let expected = (try? String(contentsOf: expectedURL, encoding: .utf8)) ?? "<missing \(expectedURL.lastPathComponent)>"
            XCTAssertEqual(rendered + "\n", expected, script)
        }
    }
}
