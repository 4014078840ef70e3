import Foundation
import XCTest
@testable import NetLang

/// Every example in docs/language.md parses, and every example not marked as a fragment
/// passes `netl check` (built, shape-checked and compiled without training), so the
/// language reference cannot drift away from the language. Every script under examples/
/// parses too (ExampleScriptTests runs them).
final class DocsExamplesTests: XCTestCase {
    /// The repository root: three levels up from Tests/NetLangTests/Docs/.
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    struct Example {
        var line: Int
        var fragment: Bool
        var source: String
    }

    /// The ```netlang and ```netlang fragment blocks of a Markdown text, with the line of
    /// their opening fence. Fences may be indented (inside list items); the indentation
    /// of the opening fence is removed from the block's lines.
    static func examples(in markdown: String) -> [Example] {
        var result: [Example] = []
        var current: (line: Int, fragment: Bool, indent: Int, lines: [String])? = nil
        var inOtherFence = false
        for (i, raw) in markdown.components(separatedBy: "\n").enumerated() {
            let trimmed = raw.trimmingCharacters(in: .whitespaces)
            let indent = raw.prefix { $0 == " " }.count
            if var block = current {
                if trimmed == "```" {
                    result.append(Example(line: block.line, fragment: block.fragment, source: block.lines.joined(separator: "\n") + "\n"))
                    current = nil
                } else {
                    let strip = min(block.indent, raw.prefix { $0 == " " }.count)
                    block.lines.append(String(raw.dropFirst(strip)))
                    current = block
                }
                continue
            }
            if inOtherFence {
                if trimmed == "```" { inOtherFence = false }
                continue
            }
            if trimmed == "```netlang" || trimmed == "```netlang fragment" {
                current = (i + 1, trimmed.hasSuffix("fragment"), indent, [])
            } else if trimmed.hasPrefix("```") {
                inOtherFence = true
            }
        }
        XCTAssertNil(current, "docs/language.md: the ```netlang block at line \(current?.line ?? 0) is not closed")
        return result
    }

    func testLanguageReferenceExamples() throws {
        let url = Self.root.appendingPathComponent("docs/language.md")
        let markdown = try String(contentsOf: url, encoding: .utf8)
        let examples = Self.examples(in: markdown)
        XCTAssertGreaterThanOrEqual(examples.count, 30, "expected an example for every construct")
        XCTAssertTrue(examples.contains { $0.fragment }, "the fragment marker is recognised")
        let base = Self.root.appendingPathComponent("examples/ch2").path
        // Check mode writes no files (save, save_npy), so nothing lands in examples/ch2.
        for example in examples {
            let name = "docs/language.md:\(example.line)"
            let (_, diagnostics) = parse(SourceFile(name: name, text: example.source))
            XCTAssertTrue(diagnostics.isEmpty, "\(name) does not parse:\n\(diagnostics.map(\.description).joined(separator: "\n"))")
            guard !example.fragment, diagnostics.isEmpty else { continue }
            XCTAssertNoThrow(try runScript(example.source, checkOnly: true, baseDirectory: base),
                             "\(name) fails in check mode")
        }
    }

    func testExtractionFindsIndentedAndFragmentBlocks() {
        let md = """
        text
        ```netlang
        print 1
        ```
        - item

          ```netlang
          print 2
          ```
        ```
        not netlang
        ```
        ```netlang fragment
        import "x.net"
        ```
        """
        let found = Self.examples(in: md)
        XCTAssertEqual(found.map(\.source), ["print 1\n", "print 2\n", "import \"x.net\"\n"])
        XCTAssertEqual(found.map(\.fragment), [false, false, true])
        XCTAssertEqual(found.map(\.line), [2, 7, 13])
    }

    func testEveryExampleScriptParses() throws {
        let root = Self.root.appendingPathComponent("examples")
        let files = (FileManager.default.enumerator(at: root, includingPropertiesForKeys: nil)?
            .compactMap { $0 as? URL }.filter { $0.pathExtension == "net" } ?? []).sorted { $0.path < $1.path }
        XCTAssertFalse(files.isEmpty)
        for url in files {
            let text = try String(contentsOf: url, encoding: .utf8)
            let (statements, diagnostics) = parse(SourceFile(name: url.lastPathComponent, text: text))
            XCTAssertTrue(diagnostics.isEmpty, "\(url.lastPathComponent):\n\(diagnostics.map(\.description).joined(separator: "\n"))")
            XCTAssertFalse(statements.isEmpty, "\(url.lastPathComponent) is empty")
        }
    }
}
