import Foundation
@testable import NetLang
import XCTest

/// Definitions and scopes read from the syntax tree (go to definition, the outline).
final class DocumentIndexTests: XCTestCase {
    static let text = """
    let n = 1
    fn scale(v, n = 2) {
      let k = v * n
      return k
    }
    for i in [1, 2] {
      let n = i
      print n
    }
    let n = 3
    print scale(n)
    """

    private func index() -> (DocumentIndex, SourceFile) {
        let file = SourceFile(name: "t.net", text: Self.text)
        return (DocumentIndex(parse(file).statements, file: file), file)
    }

    /// The byte offset of the `occurrence`-th `needle` (from 1).
    private func offset(of needle: String, occurrence: Int = 1) -> Int {
        var from = Self.text.startIndex
        var found = Self.text.startIndex
        for _ in 0..<occurrence {
            found = Self.text.range(of: needle, range: from..<Self.text.endIndex)!.lowerBound
            from = Self.text.index(after: found)
        }
        return Self.text.utf8.distance(from: Self.text.startIndex, to: found)
    }

    func testTheInnermostScopeAndTheLatestBindingWin() {
        let (index, _) = index()
        // Inside the function, n is its parameter.
        XCTAssertEqual(index.definition(of: "n", at: offset(of: "v * n") + 4)?.kind, .parameter)
        // Inside the loop, the loop's own let.
        XCTAssertEqual(index.definition(of: "n", at: offset(of: "print n") + 6)?.nameSpan.start, offset(of: "let n = i") + 4)
        // At the end, the second top-level let (rebinding), not the first.
        XCTAssertEqual(index.definition(of: "n", at: offset(of: "scale(n)") + 6)?.nameSpan.start, offset(of: "let n = 3") + 4)
        // A function's local is not visible outside it; the loop variable only in the loop.
        XCTAssertNil(index.definition(of: "k", at: offset(of: "scale(n)")))
        XCTAssertNil(index.definition(of: "i", at: offset(of: "let n = 3")))
        XCTAssertEqual(index.definition(of: "i", at: offset(of: "let n = i") + 8)?.kind, .loopVariable)
    }

    func testTheOutlineNestsParametersAndLocals() {
        let (index, _) = index()
        let function = index.definitions.first { $0.name == "scale" }
        XCTAssertEqual(function?.children.map(\.name), ["v", "n", "k"])
        XCTAssertEqual(index.definitions.map(\.name), ["n", "scale", "i", "n", "n"])
    }
}
