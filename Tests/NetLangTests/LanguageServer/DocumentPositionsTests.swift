import Foundation
@testable import NetLang
import XCTest

/// LSP positions count UTF-16 units per line; spans count UTF-8 bytes.
final class DocumentPositionsTests: XCTestCase {
    func testUTF16PositionsRoundTrip() {
        let file = SourceFile(name: "u.net", text: "let größe = 1  # 𝔼 is two UTF-16 units\nprint größe\n")
        let offset = Array(file.text.utf8).count - "größe\n".utf8.count
        let position = file.lspPosition(of: offset)
        XCTAssertEqual(position, ["line": 1, "character": 6])
        XCTAssertEqual(file.offset(line: 1, character: 6), offset)
        // After the astral 𝔼 the UTF-16 column counts it twice.
        let after = Array(file.text.utf8).count - " is two UTF-16 units\nprint größe\n".utf8.count
        XCTAssertEqual(file.lspPosition(of: after), ["line": 0, "character": 19])   // 17 units before it, 18 characters with it
        XCTAssertEqual(file.offset(line: 0, character: 19), after)
    }
}
