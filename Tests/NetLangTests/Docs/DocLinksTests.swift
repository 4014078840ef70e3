import Foundation
import XCTest

/// No dead links in the docs: every relative link of README.md and docs/*.md names a file
/// that exists, and every `#anchor` (in the same file or another Markdown file) names a
/// heading there, by GitHub's rule for heading anchors (lower case; punctuation other than
/// `-` and `_` dropped; spaces become `-`; repeated headings get `-1`, `-2`, …).
final class DocLinksTests: XCTestCase {
    static let root = DocsExamplesTests.root

    /// The Markdown files whose links are checked.
    static var documents: [URL] {
        let docs = root.appendingPathComponent("docs")
        let names = (try? FileManager.default.contentsOfDirectory(atPath: docs.path)) ?? []
        return [root.appendingPathComponent("README.md")] + names.filter { $0.hasSuffix(".md") }.sorted().map { docs.appendingPathComponent($0) }
    }

    /// The lines outside fenced code blocks, with their line numbers: as written, and with
    /// inline code removed (for links).
    static func prose(_ markdown: String) -> [(line: Int, raw: String, text: String)] {
        var out: [(Int, String, String)] = []
        var fence: String? = nil
        for (i, raw) in markdown.components(separatedBy: "\n").enumerated() {
            let trimmed = raw.trimmingCharacters(in: .whitespaces)
            if let f = fence {
                if trimmed.hasPrefix(f) { fence = nil }
                continue
            }
            if trimmed.hasPrefix("```") || trimmed.hasPrefix("~~~") { fence = String(trimmed.prefix(3)); continue }
            out.append((i + 1, raw, withoutInlineCode(raw)))
        }
        return out
    }

    /// The text with `code spans` removed (links inside them are not links).
    static func withoutInlineCode(_ line: String) -> String {
        var out = "", inCode = false
        for c in line {
            if c == "`" { inCode.toggle(); continue }
            if !inCode { out.append(c) }
        }
        return out
    }

    /// GitHub's anchor of a heading's text.
    static func slug(_ heading: String) -> String {
        var text = heading
        // Links in a heading count by their text.
        while let open = text.range(of: "]("), let close = text[open.upperBound...].firstIndex(of: ")") {
            text.removeSubrange(open.lowerBound...close)
            text = text.replacingOccurrences(of: "[", with: "", options: [], range: nil)
        }
        return String(text.lowercased().unicodeScalars.compactMap { s -> Character? in
            if s == " " { return "-" }
            if s == "-" || s == "_" { return Character(s) }
            let p = s.properties
            if p.isAlphabetic || p.numericType != nil || p.generalCategory == .nonspacingMark || p.generalCategory == .spacingMark {
                return Character(s)
            }
            return nil
        })
    }

    /// The anchors of a Markdown file: its headings' slugs (numbered when repeated) and
    /// explicit `<a id="…">` / `<a name="…">` targets.
    static func anchors(_ markdown: String) -> Set<String> {
        var seen: [String: Int] = [:], result: Set<String> = []
        for (_, raw, line) in prose(markdown) {
            let trimmed = raw.trimmingCharacters(in: .whitespaces)
            if trimmed.hasPrefix("#") {
                // A heading's code spans count by their text.
                let text = trimmed.drop { $0 == "#" }.trimmingCharacters(in: .whitespaces).replacingOccurrences(of: "`", with: "")
                let base = slug(text)
                let n = seen[base, default: 0]
                seen[base] = n + 1
                result.insert(n == 0 ? base : "\(base)-\(n)")
            }
            for key in ["id=\"", "name=\""] {
                var rest = Substring(line)
                while let r = rest.range(of: "<a " + key) ?? rest.range(of: key) {
                    let after = rest[r.upperBound...]
                    guard let end = after.firstIndex(of: "\"") else { break }
                    result.insert(String(after[..<end]))
                    rest = after[end...]
                }
            }
        }
        return result
    }

    /// The targets of inline links `[text](target)` and images `![alt](target)`.
    static func links(_ line: String) -> [String] {
        var out: [String] = []
        var rest = Substring(line)
        while let r = rest.range(of: "](") {
            let after = rest[r.upperBound...]
            guard let end = after.firstIndex(of: ")") else { break }
            let target = after[..<end].split(separator: " ").first.map(String.init) ?? ""
            out.append(target.trimmingCharacters(in: CharacterSet(charactersIn: "<>")))
            rest = after[end...]
        }
        return out
    }

    func testEveryRelativeLinkAndAnchorExists() throws {
        var checked = 0, anchorsChecked = 0
        var anchorCache: [String: Set<String>] = [:]
        func anchorsOf(_ url: URL) throws -> Set<String> {
            if let a = anchorCache[url.path] { return a }
            let a = Self.anchors(try String(contentsOf: url, encoding: .utf8))
            anchorCache[url.path] = a
            return a
        }
        for document in Self.documents {
            let name = document.path.replacingOccurrences(of: Self.root.path + "/", with: "")
            for (line, _, text) in Self.prose(try String(contentsOf: document, encoding: .utf8)) {
                for target in Self.links(text) {
                    if target.isEmpty || target.contains("://") || target.hasPrefix("mailto:") { continue }
                    let parts = target.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
                    let path = parts[0].removingPercentEncoding ?? parts[0]
                    let file = path.isEmpty ? document : document.deletingLastPathComponent().appendingPathComponent(path).standardizedFileURL
                    checked += 1
                    guard FileManager.default.fileExists(atPath: file.path) else {
                        XCTFail("\(name):\(line): the link '\(target)' names a file that does not exist"); continue
                    }
                    guard parts.count == 2, file.pathExtension == "md" else { continue }
                    anchorsChecked += 1
                    let anchor = parts[1].removingPercentEncoding ?? parts[1]
                    if !(try anchorsOf(file)).contains(anchor) {
                        XCTFail("\(name):\(line): the link '\(target)' names no heading of \(file.lastPathComponent)")
                    }
                }
            }
        }
        XCTAssertGreaterThan(checked, 50, "the docs link to each other")
        XCTAssertGreaterThan(anchorsChecked, 30)
    }

    /// The anchor rule on headings the docs use.
    func testSlugsFollowGitHubsRule() {
        XCTAssertEqual(Self.slug("19. Not implemented yet, and known limits"), "19-not-implemented-yet-and-known-limits")
        XCTAssertEqual(Self.slug("`model name(input: [...]) { ... }`"), "model-nameinput----")
        XCTAssertEqual(Self.slug("Gradients with respect to a model's parameters: `grad(f, model)`"),
                       "gradients-with-respect-to-a-models-parameters-gradf-model")
        XCTAssertEqual(Self.slug("18a. Invertible networks and flows (thesis chapters 4 and 5)"), "18a-invertible-networks-and-flows-thesis-chapters-4-and-5")
        XCTAssertEqual(Self.anchors("# A\n## A\n```\n# not a heading\n```\n# B\n"), ["a", "a-1", "b"])
    }
}
