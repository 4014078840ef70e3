import XCTest
@testable import NetLang

final class LexerTests: XCTestCase {
    /// The token stream as names: "kw(let) ident(x) = num(1) NEWLINE EOF".
    func lex(_ text: String) -> String {
        tokenize(SourceFile(name: "t.net", text: text)).tokens.map(\.kind.debugName).joined(separator: " ")
    }

    func lexErrors(_ text: String) -> [String] {
        tokenize(SourceFile(name: "t.net", text: text)).diagnostics.map(\.message)
    }

    /// A UTF-8 byte-order mark (Windows editors write one) is not part of the script: it
    /// used to be "unexpected character" at 1:1. Positions count from after it.
    func testALeadingByteOrderMarkIsSkipped() throws {
        XCTAssertEqual(lex("\u{FEFF}let x = 1\r\n"), lex("let x = 1\r\n"))
        XCTAssertEqual(lexErrors("\u{FEFF}let x = 1\n"), [])
        XCTAssertEqual(SourceFile(name: "t.net", text: "\u{FEFF}ab").location(of: 1).column, 2)
        XCTAssertTrue(scriptError("\u{FEFF}let x = 1\r\nprint y\r\n").contains("test.net:2:7: error: 'y' is not defined"))
        // Only a leading mark is dropped; one inside the text is still an error.
        XCTAssertFalse(lexErrors("let x = 1 \u{FEFF}\n").isEmpty)
    }

    func testKeywordsIdentifiersAndTrainWords() {
        XCTAssertEqual(lex("let x_1 = _y"), "kw(let) ident(x_1) = ident(_y) EOF")
        XCTAssertEqual(lex("model residual lipschitz data on to from in"),
                       "kw(model) kw(residual) kw(lipschitz) kw(data) kw(on) kw(to) kw(from) kw(in) EOF")
        // Train words are identifiers; the parser recognises them in train bodies.
        XCTAssertEqual(lex("loss log epochs batch over"),
                       "ident(loss) ident(log) ident(epochs) ident(batch) ident(over) EOF")
        XCTAssertEqual(lex("lettuce modeling"), "ident(lettuce) ident(modeling) EOF")
    }

    func testNumbers() {
        XCTAssertEqual(lex("1_000 2.5 1e-3 4E+2 7e5 0.125"),
                       "num(1000) num(2.5) num(0.001) num(400) num(700000) num(0.125) EOF")
        // "1." is not a number: the dot is a member access; "x.0" is three tokens.
        XCTAssertEqual(lex("1.x"), "num(1) . ident(x) EOF")
        XCTAssertEqual(lex("a[1:2]"), "ident(a) [ num(1) : num(2) ] EOF")
        XCTAssertEqual(lex("2^-1"), "num(2) ^ - num(1) EOF")
    }

    func testMalformedNumbers() {
        XCTAssertEqual(lexErrors("12abc"), ["malformed number '12abc'"])
        XCTAssertEqual(lexErrors("1e"), ["malformed number '1e'"])
        XCTAssertEqual(lexErrors("x = 1e+ 2"), ["malformed number '1e'"])
        XCTAssertEqual(lexErrors("1e999"), ["number '1e999' is out of range"])
        // The lexer continues after the error and still produces a number token.
        XCTAssertEqual(lex("12abc + 1"), "num(0) + num(1) EOF")
    }

    func testStringsAndEscapes() {
        XCTAssertEqual(lex(#""a\"b\\c\nd\te""#), #"str("a\"b\\c\nd\te") EOF"#)
        XCTAssertEqual(lex(#""μ-σ ✓""#), #"str("μ-σ ✓") EOF"#)
        XCTAssertEqual(lexErrors(#""abc\q""#), [#"unknown escape '\q' in string (use \", \\, \n or \t)"#])
        XCTAssertEqual(lexErrors("\"abc\nprint 1"), ["unterminated string: missing '\"' before the end of the line"])
        XCTAssertEqual(lex("\"abc\nprint 1"), #"str("abc") NEWLINE kw(print) num(1) EOF"#)
        XCTAssertEqual(lexErrors("\"abc"), ["unterminated string: missing '\"' before the end of the line"])
    }

    func testOperators() {
        XCTAssertEqual(lex("== != <= >= < > = @ ^ -> - + * / %"),
                       "== != <= >= < > = @ ^ -> - + * / % EOF")
        XCTAssertEqual(lex("a<=-b"), "ident(a) <= - ident(b) EOF")
        XCTAssertEqual(lex("a--b"), "ident(a) - - ident(b) EOF")
        XCTAssertEqual(lex("f(a: 1, b: 2)."), "ident(f) ( ident(a) : num(1) , ident(b) : num(2) ) . EOF")
    }

    func testCommentsAndNewlines() {
        XCTAssertEqual(lex("# only a comment"), "EOF")
        XCTAssertEqual(lex("a # comment\n\n\n  b # more\n"), "ident(a) NEWLINE ident(b) NEWLINE EOF")
        XCTAssertEqual(lex("a\r\nb\r\n"), "ident(a) NEWLINE ident(b) NEWLINE EOF")
        XCTAssertEqual(lex("\n\nx"), "ident(x) EOF")
    }

    func testNewlinesSuppressedInsideParensAndBrackets() {
        XCTAssertEqual(lex("f(1,\n 2\n)\n"), "ident(f) ( num(1) , num(2) ) NEWLINE EOF")
        XCTAssertEqual(lex("[[1,\n2],\n[3]]\nx"), "[ [ num(1) , num(2) ] , [ num(3) ] ] NEWLINE ident(x) EOF")
        // Braces do not suppress newlines: bodies are line-based.
        XCTAssertEqual(lex("{\na\n}"), "{ NEWLINE ident(a) NEWLINE } EOF")
        // A "}" closes a "(" left open inside its braces, so newlines come back.
        XCTAssertEqual(lex("{ f(\n}\na\nb"), "{ ident(f) ( } NEWLINE ident(a) NEWLINE ident(b) EOF")
        // A stray ")" does not disturb nesting.
        XCTAssertEqual(lex(")\na"), ") NEWLINE ident(a) EOF")
    }

    func testBadCharactersAreReportedAndSkipped() {
        XCTAssertEqual(lex("a $ b"), "ident(a) ident(b) EOF")
        XCTAssertEqual(lexErrors("a $ b"), ["unexpected character '$'"])
        XCTAssertEqual(lexErrors("x = 1; y"), ["unexpected character ';'; statements end at the end of the line"])
        XCTAssertEqual(lexErrors("if !x"), ["unexpected character '!'; write 'not' for negation or '!=' for inequality"])
        XCTAssertEqual(lexErrors("'a'"), ["unexpected character \"'\"; strings are written in double quotes",
                                          "unexpected character \"'\"; strings are written in double quotes"])
        XCTAssertEqual(lexErrors("λ"), ["unexpected character 'λ'"])
        XCTAssertEqual(lexErrors("a\u{7}"), ["unexpected character '\\u{07}'"])
    }

    func testSpansAndLocations() {
        let file = SourceFile(name: "t.net", text: "let x =\n  dense(128)")
        let tokens = tokenize(file).tokens
        let dense = tokens.first { $0.identifier == "dense" }!
        XCTAssertEqual(dense.span.description, "t.net:2:3")
        XCTAssertEqual(dense.span.text, "dense")
        // EOF sits after the last character, not on an empty trailing line.
        let eof = tokenize(SourceFile(name: "t.net", text: "a\n\n\n")).tokens.last!
        XCTAssertEqual(eof.span.description, "t.net:1:2")
    }

    func testNeedsMoreInput() {
        XCTAssertTrue(needsMoreInput("model m {"))
        XCTAssertTrue(needsMoreInput("print f(1,"))
        XCTAssertFalse(needsMoreInput("model m { dense(3) }"))
        XCTAssertFalse(needsMoreInput("print 1"))
    }
}
