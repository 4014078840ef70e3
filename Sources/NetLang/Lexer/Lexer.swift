/// The scanner: turns SourceFile.bytes into tokens.
///
/// - Comments run from `#` to the end of the line.
/// - NEWLINE tokens are emitted at line ends, except while inside `( )` or `[ ]` (the
///   lexer keeps a stack of open brackets; a `{` or `}` closes any `(`/`[` left open
///   before it inside the same braces, so an unclosed parenthesis does not swallow the
///   rest of the file). Runs of blank lines give a single NEWLINE.
/// - Lexical errors (bad character, unterminated string, unknown escape, malformed
///   number) become diagnostics and scanning continues; bad characters produce no token.
public func tokenize(_ file: SourceFile) -> (tokens: [Token], diagnostics: [Diagnostic]) {
    var lexer = Lexer(file: file)
    lexer.run()
    return (lexer.tokens, lexer.diagnostics)
}

/// Whether a piece of REPL input is unfinished: it leaves a `(`, `[` or `{` open.
public func needsMoreInput(_ text: String) -> Bool {
    var lexer = Lexer(file: SourceFile(name: "<repl>", text: text))
    lexer.run()
    return !lexer.openBrackets.isEmpty
}

struct Lexer {
    let file: SourceFile
    let bytes: [UInt8]
    var pos = 0
    var tokens: [Token] = []
    var diagnostics: [Diagnostic] = []
    /// Open brackets: "(", "[" or "{" as bytes, and `lambdaParenthesis` for the "(" of an
    /// anonymous function's parameters (`fn(`).
    var openBrackets: [UInt8] = []
    /// Marks the "(" after `fn` in `openBrackets`: its ")" followed by "{" starts a lambda's
    /// body, inside which newlines end statements even within a call's parentheses.
    static let lambdaParenthesis: UInt8 = 0x01
    /// Whether the last ")" closed a lambda's parameter list.
    var closedLambdaParameters = false

    init(file: SourceFile) {
        self.file = file
        self.bytes = file.bytes
    }

    private func span(_ start: Int, _ end: Int) -> SourceSpan { SourceSpan(file: file, start: start, end: end) }

    private func peek(_ ahead: Int = 0) -> UInt8 {
        let i = pos + ahead
        return i < bytes.count ? bytes[i] : 0
    }

    private mutating func add(_ kind: TokenKind, from start: Int) {
        tokens.append(Token(kind, span(start, pos)))
    }

    private mutating func error(_ message: String, _ start: Int, _ end: Int) {
        diagnostics.append(.error(message, at: span(start, end)))
    }

    mutating func run() {
        while pos < bytes.count {
            scanToken()
        }
        // End of file: placed after the last non-blank character, so "found end of file"
        // points at the end of the script's last line rather than at an empty line.
        var end = bytes.count
        while end > 0, isBlank(bytes[end - 1]) || bytes[end - 1] == UInt8(ascii: "\n") { end -= 1 }
        if let last = tokens.last, last.kind != .newline, last.span.end > end { end = last.span.end }
        tokens.append(Token(.eof, span(end, end)))
    }

    private func isBlank(_ c: UInt8) -> Bool { c == 0x20 || c == 0x09 || c == 0x0D }
    private func isDigit(_ c: UInt8) -> Bool { c >= 0x30 && c <= 0x39 }
    private func isIdentStart(_ c: UInt8) -> Bool { (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A) || c == 0x5F }
    private func isIdentChar(_ c: UInt8) -> Bool { isIdentStart(c) || isDigit(c) }

    private mutating func scanToken() {
        let start = pos
        let c = bytes[pos]
        if isBlank(c) { pos += 1; return }
        if c == UInt8(ascii: "#") {
            while pos < bytes.count && bytes[pos] != UInt8(ascii: "\n") { pos += 1 }
            return
        }
        if c == UInt8(ascii: "\n") {
            pos += 1
            let inside = openBrackets.last.map { $0 != UInt8(ascii: "{") } ?? false
            if !inside, let last = tokens.last, last.kind != .newline {
                add(.newline, from: start)
            }
            return
        }
        if isIdentStart(c) { scanWord(); return }
        if isDigit(c) { scanNumber(); return }
        if c == UInt8(ascii: "\"") { scanString(); return }

        pos += 1
        func two(_ next: Character, _ yes: TokenKind, _ no: TokenKind) -> TokenKind {
            if peek() == UInt8(ascii: next.unicodeScalars.first!) { pos += 1; return yes }
            return no
        }
        let kind: TokenKind
        switch c {
        case UInt8(ascii: "+"): kind = .plus
        case UInt8(ascii: "-"): kind = two(">", .arrow, .minus)
        case UInt8(ascii: "*"): kind = .star
        case UInt8(ascii: "/"): kind = .slash
        case UInt8(ascii: "%"): kind = .percent
        case UInt8(ascii: "^"): kind = .caret
        case UInt8(ascii: "@"): kind = .at
        case UInt8(ascii: "="): kind = two("=", .equalEqual, .equal)
        case UInt8(ascii: "<"): kind = two("=", .lessEqual, .less)
        case UInt8(ascii: ">"): kind = two("=", .greaterEqual, .greater)
        case UInt8(ascii: ","): kind = .comma
        case UInt8(ascii: ":"): kind = .colon
        case UInt8(ascii: "."): kind = .dot
        case UInt8(ascii: "("):
            kind = .leftParen
            openBrackets.append(tokens.last?.kind == .keyword(.fn) ? Self.lambdaParenthesis : c)
        case UInt8(ascii: "["): kind = .leftBracket; openBrackets.append(c)
        case UInt8(ascii: "{"):
            // "{" occurs inside ( ) or [ ] only as a lambda's body (`map(xs, fn(x) {`), right
            // after its parameters' ")": the brackets around it stay open, to suppress
            // newlines again after its "}". Any other "{" means the brackets still open were
            // left unclosed, so they stop suppressing newlines ("fn f(x {" recovers).
            let lambdaBody = tokens.last?.kind == .rightParen && closedLambdaParameters
            while !lambdaBody, let last = openBrackets.last, last != UInt8(ascii: "{") { openBrackets.removeLast() }
            kind = .leftBrace; openBrackets.append(c)
        case UInt8(ascii: ")"): kind = .rightParen; close(UInt8(ascii: "("))
        case UInt8(ascii: "]"): kind = .rightBracket; close(UInt8(ascii: "["))
        case UInt8(ascii: "}"): kind = .rightBrace; close(UInt8(ascii: "{"))
        case UInt8(ascii: "!"):
            if peek() == UInt8(ascii: "=") { pos += 1; kind = .bangEqual; break }
            error("unexpected character '!'; write 'not' for negation or '!=' for inequality", start, pos)
            return
        case UInt8(ascii: ";"):
            error("unexpected character ';'; statements end at the end of the line", start, pos)
            return
        case UInt8(ascii: "'"):
            error("unexpected character \"'\"; strings are written in double quotes", start, pos)
            return
        default:
            badCharacter(start)
            return
        }
        add(kind, from: start)
    }

    /// Pops the innermost matching opener. A ")" or "]" looks no further out than the
    /// nearest "{"; a "}" also closes any "(" or "[" left open inside its braces.
    private mutating func close(_ opener: UInt8) {
        var i = openBrackets.count - 1
        while i >= 0 {
            let b = openBrackets[i]
            if b == opener || (opener == UInt8(ascii: "(") && b == Self.lambdaParenthesis) {
                closedLambdaParameters = b == Self.lambdaParenthesis
                openBrackets.removeSubrange(i...)
                return
            }
            if b == UInt8(ascii: "{") { return }
            i -= 1
        }
    }

    private mutating func badCharacter(_ start: Int) {
        // Consume a whole UTF-8 sequence so that one character gives one error.
        let lead = bytes[start]
        var length = 1
        if lead >= 0xF0 { length = 4 } else if lead >= 0xE0 { length = 3 } else if lead >= 0xC0 { length = 2 }
        pos = start + 1
        while pos < bytes.count && pos < start + length && bytes[pos] & 0xC0 == 0x80 { pos += 1 }
        let text = String(decoding: bytes[start..<pos], as: UTF8.self)
        let shown = lead < 0x20 || lead == 0x7F ? text.unicodeScalars.map { $0.escaped(asASCII: true) }.joined() : text
        error("unexpected character '\(shown)'", start, pos)
    }

    private mutating func scanWord() {
        let start = pos
        while pos < bytes.count && isIdentChar(bytes[pos]) { pos += 1 }
        let text = String(decoding: bytes[start..<pos], as: UTF8.self)
        if let k = Keyword(rawValue: text) { add(.keyword(k), from: start) } else { add(.identifier(text), from: start) }
    }

    private mutating func scanNumber() {
        let start = pos
        while pos < bytes.count && (isDigit(bytes[pos]) || bytes[pos] == UInt8(ascii: "_")) { pos += 1 }
        if peek() == UInt8(ascii: "."), isDigit(peek(1)) {
            pos += 1
            while pos < bytes.count && isDigit(bytes[pos]) { pos += 1 }
        }
        if peek() == UInt8(ascii: "e") || peek() == UInt8(ascii: "E") {
            if isDigit(peek(1)) {
                pos += 1
            } else if (peek(1) == UInt8(ascii: "+") || peek(1) == UInt8(ascii: "-")) && isDigit(peek(2)) {
                pos += 2
            }
            while pos < bytes.count && isDigit(bytes[pos]) { pos += 1 }
        }
        // A number running straight into letters ("12abc", "1e", "1.5_0") is malformed:
        // swallow the rest of the word so that one mistake gives one error.
        if pos < bytes.count && isIdentChar(bytes[pos]) {
            while pos < bytes.count && (isIdentChar(bytes[pos]) || bytes[pos] == UInt8(ascii: ".")) { pos += 1 }
            let text = String(decoding: bytes[start..<pos], as: UTF8.self)
            error("malformed number '\(text)'", start, pos)
            add(.number(0), from: start)
            return
        }
        let text = String(decoding: bytes[start..<pos].filter { $0 != UInt8(ascii: "_") }, as: UTF8.self)
        guard let value = Double(text), value.isFinite else {
            error("number '\(String(decoding: bytes[start..<pos], as: UTF8.self))' is out of range", start, pos)
            add(.number(0), from: start)
            return
        }
        add(.number(value), from: start)
    }

    private mutating func scanString() {
        let start = pos
        pos += 1
        var content: [UInt8] = []
        while true {
            guard pos < bytes.count, bytes[pos] != UInt8(ascii: "\n") else {
                error("unterminated string: missing '\"' before the end of the line", start, pos)
                break
            }
            let c = bytes[pos]
            if c == UInt8(ascii: "\"") { pos += 1; break }
            if c == UInt8(ascii: "\\") {
                let escStart = pos
                pos += 1
                guard pos < bytes.count, bytes[pos] != UInt8(ascii: "\n") else { continue }
                let e = bytes[pos]
                pos += 1
                switch e {
                case UInt8(ascii: "\""): content.append(e)
                case UInt8(ascii: "\\"): content.append(e)
                case UInt8(ascii: "n"): content.append(UInt8(ascii: "\n"))
                case UInt8(ascii: "t"): content.append(UInt8(ascii: "\t"))
                default:
                    // Keep the whole UTF-8 sequence of the bad escape in the message.
                    while pos < bytes.count && bytes[pos] & 0xC0 == 0x80 { pos += 1 }
                    let text = String(decoding: bytes[escStart..<pos], as: UTF8.self)
                    error("unknown escape '\(text)' in string (use \\\", \\\\, \\n or \\t)", escStart, pos)
                    content.append(contentsOf: bytes[(escStart + 1)..<pos])
                }
                continue
            }
            content.append(c)
            pos += 1
        }
        add(.string(String(decoding: content, as: UTF8.self)), from: start)
    }
}
