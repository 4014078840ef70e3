import Foundation
import XCTest
@testable import NetLang

final class ParserErrorTests: XCTestCase {
    /// Every Golden/parse_errors/NAME.net has a NAME.expected with its rendered diagnostics.
    func testErrorGoldens() throws {
        let dir = goldenDirectory.appendingPathComponent("parse_errors")
        let names = try FileManager.default.contentsOfDirectory(atPath: dir.path)
            .filter { $0.hasSuffix(".net") }.sorted()
        XCTAssertGreaterThanOrEqual(names.count, 10)
        for name in names {
            let text = try String(contentsOf: dir.appendingPathComponent(name), encoding: .utf8)
            let rendered = errors(text, name: name)
            XCTAssertFalse(rendered.isEmpty, "\(name) should have errors")
            let base = String(name.dropLast(4))
            assertGolden(rendered + "\n", dir.appendingPathComponent(base + ".expected"))
        }
    }

    func testMessagesFromTheBrief() {
        XCTAssertTrue(errors("model m { dense(128 relu }").contains(
            "error: expected ')' to close the arguments of 'dense', found 'relu'"))
        XCTAssertTrue(errors("if x { print 1\n}\nlet y = }").contains("error: expected an expression, found '}'"))
        XCTAssertTrue(errors("train m { }").contains("error: 'train' needs 'on' followed by the data to train on, found '{'"))
    }

    func testRendersFileLineColumnAndCaret() {
        let text = errors("model mlp {\n  dense(128 relu\n}", name: "mlp.net")
        XCTAssertEqual(text, """
            mlp.net:2:13: error: expected ')' to close the arguments of 'dense', found 'relu'
                dense(128 relu
                          ^~~~
            """)
    }

    func testRecoveryReportsSeveralErrorsAndKeepsGoodStatements() {
        let (statements, diagnostics) = parse(SourceFile(name: "t.net", text: "let = 1\nprint 2\nlet y 3\nprint 4\n"))
        XCTAssertEqual(diagnostics.count, 2)
        XCTAssertEqual(dumpAST(statements), "(print 2)\n(print 4)")
    }

    func testDeepNestingIsAnErrorNotACrash() {
        for text in [String(repeating: "(", count: 10_000) + "1",
                     String(repeating: "[", count: 10_000),
                     String(repeating: "-", count: 10_000) + "1",
                     String(repeating: "not ", count: 5_000) + "x",
                     String(repeating: "2^", count: 5_000) + "2",
                     String(repeating: "if x {\n", count: 2_000),
                     "model m {" + String(repeating: "residual {", count: 2_000),
                     String(repeating: "f(", count: 5_000)] {
            let (_, diagnostics) = parse(SourceFile(name: "deep.net", text: text))
            XCTAssertTrue(diagnostics.contains { $0.message.contains("nesting is too deep") }, String(text.prefix(20)))
        }
        // 200 levels is fine.
        let ok = String(repeating: "(", count: 200) + "1" + String(repeating: ")", count: 200)
        XCTAssertEqual(ast(ok), "1")
    }

    func testNoErrorsForEmptyAndBlankInput() {
        XCTAssertEqual(ast(""), "")
        XCTAssertEqual(ast("\n\n# nothing\n  \n"), "")
    }
}
