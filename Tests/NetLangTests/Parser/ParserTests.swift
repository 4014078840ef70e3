import Foundation
import XCTest
@testable import NetLang

final class ParserTests: XCTestCase {
    func testAllConstructsGolden() throws {
        let input = goldenDirectory.appendingPathComponent("parse/all_constructs.net")
        let text = try String(contentsOf: input, encoding: .utf8)
        assertGolden(ast(text) + "\n", goldenDirectory.appendingPathComponent("parse/all_constructs.expected"))
    }
}
