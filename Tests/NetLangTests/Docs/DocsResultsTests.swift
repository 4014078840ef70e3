import Foundation
import XCTest

/// The result tables quoted in the chapter pages are copies of docs/results/*.txt, which
/// `make results` (scripts/results.py) writes from runs of the examples on the current
/// build. A block marked `<!-- results: FILE "START" N -->` must equal the N lines of FILE
/// from the first line starting with START: a text comparison, nothing is rerun.
final class DocsResultsTests: XCTestCase {
    static let pages = ["docs/chapter3.md", "docs/chapter4.md", "docs/chapter5.md", "docs/chapter6.md"]

    struct Block { let file: String, start: String, count: Int, body: String, line: Int }

    /// The marked blocks of a page.
    static func blocks(_ text: String) -> [Block] {
        let lines = text.components(separatedBy: "\n")
        let mark = try! NSRegularExpression(pattern: #"^<!-- results: (\S+) "([^"]*)" (\d+) -->$"#)
        var out: [Block] = []
        var i = 0
        while i < lines.count {
            let line = lines[i]
            if let m = mark.firstMatch(in: line, range: NSRange(line.startIndex..., in: line)), i + 1 < lines.count, lines[i + 1] == "```text" {
                func group(_ k: Int) -> String { String(line[Range(m.range(at: k), in: line)!]) }
                var j = i + 2, body: [String] = []
                while j < lines.count, lines[j] != "```" { body.append(lines[j]); j += 1 }
                out.append(Block(file: group(1), start: group(2), count: Int(group(3))!, body: body.joined(separator: "\n"), line: i + 1))
                i = j
            }
            i += 1
        }
        return out
    }

    /// The `count` lines of a results file from the first line starting with `start` (the
    /// header lines, starting with "# ", are skipped), nil when there is none.
    static func excerpt(_ results: String, start: String, count: Int) -> String? {
        let lines = results.components(separatedBy: "\n")
        guard let i = lines.firstIndex(where: { $0.hasPrefix(start) && !$0.hasPrefix("# ") }) else { return nil }
        return lines[i..<min(lines.count, i + count)].joined(separator: "\n")
    }

    func testMarkedBlocksEqualTheirResultsFiles() throws {
        var checked = 0
        for page in Self.pages {
            let text = try String(contentsOf: repositoryRoot.appendingPathComponent(page), encoding: .utf8)
            for block in Self.blocks(text) {
                let url = repositoryRoot.appendingPathComponent("docs/results").appendingPathComponent(block.file)
                guard let results = try? String(contentsOf: url, encoding: .utf8) else {
                    XCTFail("\(page):\(block.line): docs/results/\(block.file) does not exist (run `make results`)"); continue
                }
                guard let expected = Self.excerpt(results, start: block.start, count: block.count) else {
                    XCTFail("\(page):\(block.line): no line starting with \"\(block.start)\" in \(block.file)"); continue
                }
                XCTAssertEqual(block.body, expected, "\(page):\(block.line) differs from docs/results/\(block.file); run `python3 scripts/results.py sync` after `make results`")
                checked += 1
            }
        }
        XCTAssertGreaterThanOrEqual(checked, 4, "the chapter pages quote their tables from docs/results")
    }

    /// The comparison itself: a changed number in a block is caught.
    func testAChangedNumberIsCaught() {
        let results = "# netl run x.net\n# commit abc\nintro\nloss  acc\n────  ───\nCE    0.958\n"
        let page = "<!-- results: x.txt \"loss\" 3 -->\n```text\nloss  acc\n────  ───\nCE    0.957\n```\n"
        let block = Self.blocks(page)
        XCTAssertEqual(block.count, 1)
        XCTAssertNotEqual(block[0].body, Self.excerpt(results, start: "loss", count: 3))
        XCTAssertEqual(Self.excerpt(results, start: "loss", count: 3), "loss  acc\n────  ───\nCE    0.958")
        XCTAssertNil(Self.excerpt(results, start: "# commit", count: 1), "header lines are not results")
    }
}
