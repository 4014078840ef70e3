/// Recursive-descent parser for grammar/netlang.ebnf: one function per grammar rule
/// (Parser+Statements, Parser+Layers, Parser+Train, Parser+Expressions), panic-mode
/// recovery at statement and item boundaries, several diagnostics per file.
///
/// Guarantees: never traps on any input, always terminates (every loop either consumes
/// a token or exits), and nesting deeper than `Parser.maximumDepth` is reported as an
/// error instead of overflowing the stack.

/// Parses a whole script. The statements are complete only when `diagnostics` has no
/// errors; statements that had errors are left out.
public func parse(_ file: SourceFile) -> (statements: [Statement], diagnostics: [Diagnostic]) {
    let (tokens, lexical) = tokenize(file)
    let parser = Parser(tokens: tokens)
    let statements = parser.parseProgram()
    // Lexical and syntax errors, in source order (stable for equal positions).
    // After a lexical error, syntax errors later on the same line are its echoes.
    let lexicalLines = Dictionary(lexical.compactMap { d in d.span.map { ($0.file.location(of: $0.start).line, $0.start) } },
                                  uniquingKeysWith: Swift.min)
    let syntax = parser.diagnostics.filter { d in
        guard let span = d.span, let first = lexicalLines[file.location(of: span.start).line] else { return true }
        return span.start < first
    }
    let all = (lexical + syntax).enumerated().sorted { a, b in
        let sa = a.element.span?.start ?? Int.max, sb = b.element.span?.start ?? Int.max
        return sa != sb ? sa < sb : a.offset < b.offset
    }.map(\.element)
    return (statements, all)
}

/// Parses a single expression (for tools and tests): trailing tokens are an error.
public func parseExpression(_ file: SourceFile) -> (expression: Expression?, diagnostics: [Diagnostic]) {
    let (tokens, lexical) = tokenize(file)
    let parser = Parser(tokens: tokens)
    var result: Expression?
    do {
        parser.skipNewlines()
        let e = try parser.expression()
        parser.skipNewlines()
        if !parser.atEnd { parser.error("expected end of input after the expression, found \(parser.peek)", at: parser.peek.span) }
        else { result = e }
    } catch {}
    return (result, lexical + parser.diagnostics)
}

/// Thrown to unwind to the nearest recovery point; the diagnostic is already recorded.
struct ParseError: Error {}

final class Parser {
    static let maximumDepth = 256
    /// The most operands one left-associative chain may have (see `countChainTerm`).
    static let maximumChainLength = 100_000

    let tokens: [Token]
    var current = 0
    var diagnostics: [Diagnostic] = []
    var depth = 0

    init(tokens: [Token]) {
        precondition(tokens.last?.kind == .eof, "the token stream ends with EOF")
        self.tokens = tokens
    }

    // MARK: Token access

    var peek: Token { tokens[current] }
    func peek(_ ahead: Int) -> Token { tokens[Swift.min(current + ahead, tokens.count - 1)] }
    var previous: Token { tokens[Swift.max(current - 1, 0)] }
    var atEnd: Bool { peek.kind == .eof }

    @discardableResult
    func advance() -> Token {
        let t = tokens[current]
        if current < tokens.count - 1 { current += 1 }
        return t
    }

    func check(_ kind: TokenKind) -> Bool { peek.kind == kind }
    func check(_ k: Keyword) -> Bool { peek.kind == .keyword(k) }

    @discardableResult
    func match(_ kind: TokenKind) -> Token? { check(kind) ? advance() : nil }
    @discardableResult
    func match(_ k: Keyword) -> Token? { check(k) ? advance() : nil }

    /// Consumes a token of `kind`, or reports "<message>, found <token>" and throws.
    @discardableResult
    func expect(_ kind: TokenKind, _ message: @autoclosure () -> String, opener: Token? = nil) throws -> Token {
        if check(kind) { return advance() }
        throw fail("\(message()), found \(peek)", opener: opener)
    }

    @discardableResult
    func expect(_ k: Keyword, _ message: @autoclosure () -> String) throws -> Token {
        try expect(.keyword(k), message())
    }

    /// Consumes an identifier ("expected <what>, found …").
    func expectIdentifier(_ what: @autoclosure () -> String) throws -> (String, SourceSpan) {
        if case let .identifier(name) = peek.kind { return (name, advance().span) }
        if case let .keyword(k) = peek.kind {
            throw fail("expected \(what()), found '\(k.rawValue)', which is a reserved word")
        }
        throw fail("expected \(what()), found \(peek)")
    }

    /// Consumes the "{" that opens a body. A "{" alone on the next line is reported
    /// (the grammar wants it on the same line) but accepted, to avoid a cascade.
    @discardableResult
    func expectOpeningBrace(_ message: @autoclosure () -> String) throws -> Token {
        if let open = match(.leftBrace) { return open }
        if check(.newline) && peek(1).kind == .leftBrace {
            error("\(message()), found end of line; the '{' must be on the same line", at: peek.span)
            advance()
            return advance()
        }
        throw fail("\(message()), found \(peek)")
    }

    func skipNewlines() {
        while check(.newline) { advance() }
    }

    // MARK: Errors and recovery

    func error(_ message: String, at span: SourceSpan, notes: [Diagnostic] = []) {
        // One error per position: cascades from the same token add nothing.
        if let last = diagnostics.last, last.span?.start == span.start { return }
        diagnostics.append(Diagnostic(.error, message, at: span, notes: notes))
    }

    /// Reports an error at the current token and returns the error to throw. With an
    /// `opener` ("(" or "{"), adds a note pointing at it when it is on another line.
    func fail(_ message: String, opener: Token? = nil) -> ParseError {
        var notes: [Diagnostic] = []
        if let opener, opener.span.file.location(of: opener.span.start).line
            != peek.span.file.location(of: peek.span.start).line {
            notes.append(Diagnostic(.note, "'\(opener.kind.spelling)' opened here", at: opener.span))
        }
        error(message, at: peek.span, notes: notes)
        return ParseError()
    }

    /// Skips to the end of the current statement or item: past the next NEWLINE outside
    /// braces, or up to (not past) a "}" that closes the enclosing body, or to EOF.
    func synchronize() {
        var braces = 0
        while !atEnd {
            switch peek.kind {
            case .newline:
                advance()
                if braces == 0 { return }
            case .leftBrace:
                braces += 1
                advance()
            case .rightBrace:
                if braces == 0 { return }
                braces -= 1
                advance()
            default:
                advance()
            }
        }
    }

    /// Runs `body` as a recovery point: on error, synchronizes and returns nil. Always
    /// makes progress unless it stops at "}" or EOF, which the caller's loop handles.
    func recovering<T>(_ body: () throws -> T) -> T? {
        let start = current
        do {
            return try body()
        } catch {
            synchronize()
            if current == start && !atEnd && !check(.rightBrace) { advance() }
            return nil
        }
    }

    /// Guards recursion: more than `maximumDepth` nested constructs is an error.
    func enter() throws {
        depth += 1
        if depth > Parser.maximumDepth {
            depth -= 1
            throw fail("nesting is too deep (more than \(Parser.maximumDepth) levels)")
        }
    }

    func leave() { depth -= 1 }

    func nested<T>(_ body: () throws -> T) throws -> T {
        try enter()
        defer { leave() }
        return try body()
    }

    func span(from start: Token) -> SourceSpan { start.span.to(previous.span) }
    func span(from start: SourceSpan) -> SourceSpan { start.to(previous.span) }
}
