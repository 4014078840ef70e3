import Foundation
import XCTest
@testable import NetLang

/// Every script under examples/ is checked (`netl check`) and run with one epoch
/// (`--set epochs=1 --set quick=true`; scripts use `quick` to shrink data and pictures),
/// so none of them rots.
final class ExampleScriptTests: XCTestCase {
    static var examples: [URL] {
        let root = repositoryRoot.appendingPathComponent("examples")
        let files = FileManager.default.enumerator(at: root, includingPropertiesForKeys: nil)?
            .compactMap { $0 as? URL }.filter { $0.pathExtension == "net" } ?? []
        return files.sorted { $0.path < $1.path }
    }

    func testThereAreExamples() {
        XCTAssertGreaterThanOrEqual(Self.examples.count, 2)
    }

    func testEveryExampleChecksAndRuns() throws {
        for url in Self.examples {
            let text = try String(contentsOf: url, encoding: .utf8)
            let base = url.deletingLastPathComponent().path
            XCTAssertNoThrow(try runScript(text, checkOnly: true, baseDirectory: base), "check \(url.lastPathComponent)")
            let start = Date()
            XCTAssertNoThrow(try runScript(text, overrides: ["epochs": .number(1), "quick": .boolean(true)], baseDirectory: base), "run \(url.lastPathComponent)")
            XCTAssertLessThan(Date().timeIntervalSince(start), 120, "\(url.lastPathComponent) is too slow for the test suite")
        }
    }
}
