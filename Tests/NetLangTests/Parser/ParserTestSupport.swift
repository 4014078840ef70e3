import Foundation
import XCTest
@testable import NetLang

/// Tests/NetLangTests/Golden, found from this file's location.
let goldenDirectory: URL = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Golden")

/// Parses `text`, failing the test on any diagnostic; returns the S-expression dump.
func ast(_ text: String, file: StaticString = #filePath, line: UInt = #line) -> String {
    let (statements, diagnostics) = parse(SourceFile(name: "test.net", text: text))
    XCTAssertTrue(diagnostics.isEmpty, "unexpected diagnostics:\n" + diagnostics.map(\.description).joined(separator: "\n"),
                  file: file, line: line)
    return dumpAST(statements)
}

/// The rendered diagnostics of parsing `text` (no colour), joined by newlines.
func errors(_ text: String, name: String = "test.net") -> String {
    parse(SourceFile(name: name, text: text)).diagnostics.map(\.description).joined(separator: "\n")
}

/// Compares `actual` with a golden file; with NETL_UPDATE_GOLDEN=1 rewrites it instead.
func assertGolden(_ actual: String, _ url: URL, file: StaticString = #filePath, line: UInt = #line) {
    if ProcessInfo.processInfo.environment["NETL_UPDATE_GOLDEN"] == "1" {
        try? actual.write(to: url, atomically: true, encoding: .utf8)
        return
    }
    guard let expected = try? String(contentsOf: url, encoding: .utf8) else {
        XCTFail("missing golden file \(url.path); actual output:\n\(actual)", file: file, line: line)
        return
    }
    XCTAssertEqual(actual, expected, "golden mismatch for \(url.lastPathComponent)", file: file, line: line)
}
