/// Tokens of NetLang (grammar/netlang.ebnf, "Tokens").

/// Reserved words. The words that only have a meaning at the start of an item of a
/// `train { … }` body (loss, minimize, epochs, log, …) are *not* reserved: they are
/// lexed as identifiers and recognised by the parser in that position, so that `log(x)`
/// or a variable called `loss` keep working elsewhere.
public enum Keyword: String, Sendable, CaseIterable {
    case `import`, `let`, fn, block, model, data, train, on, print, `repeat`, `for`, `in`, `if`, `else`
    case `return`, save, to, load, from, residual, lipschitz
    case and, or, not, `true`, `false`
}

/// Words with a meaning only at the start of a train item (and `over` after `minimize`/`maximize`).
public enum TrainWord: String, Sendable, CaseIterable {
    case loss, minimize, maximize, over, optimizer, schedule, epochs, steps, batch, shuffle, log, validate
    case early_stop, keep, reset
}

public enum TokenKind: Sendable, Equatable {
    case identifier(String)
    case keyword(Keyword)
    case number(Double)
    case string(String)

    // Operators.
    case plus, minus, star, slash, percent, caret, at
    case equalEqual, bangEqual, less, lessEqual, greater, greaterEqual
    case equal, arrow

    // Punctuation.
    case leftParen, rightParen, leftBracket, rightBracket, leftBrace, rightBrace
    case comma, colon, dot

    case newline
    case eof
}

public struct Token: Sendable, CustomStringConvertible {
    public var kind: TokenKind
    public var span: SourceSpan

    public init(_ kind: TokenKind, _ span: SourceSpan) { self.kind = kind; self.span = span }

    /// How the token is named in error messages: `'relu'`, `'}'`, `end of line`, `end of file`.
    public var description: String {
        switch kind {
        case .newline: return "end of line"
        case .eof: return "end of file"
        case .string: return "string \(span.text)"
        default:
            let text = span.text
            return text.isEmpty ? "'\(kind.spelling)'" : "'\(text)'"
        }
    }

    public var isIdentifier: Bool { if case .identifier = kind { return true } else { return false } }
    public var identifier: String? { if case let .identifier(n) = kind { return n } else { return nil } }
    public func isKeyword(_ k: Keyword) -> Bool { kind == .keyword(k) }
    /// An identifier spelled like a train word (`loss`, `epochs`, …).
    public var trainWord: TrainWord? { identifier.flatMap(TrainWord.init(rawValue:)) }
}

extension TokenKind {
    /// The canonical spelling, for messages ("expected ')'").
    public var spelling: String {
        switch self {
        case let .identifier(n): return n
        case let .keyword(k): return k.rawValue
        case let .number(v): return "\(v)"
        case let .string(s): return "\"\(s)\""
        case .plus: return "+"
        case .minus: return "-"
        case .star: return "*"
        case .slash: return "/"
        case .percent: return "%"
        case .caret: return "^"
        case .at: return "@"
        case .equalEqual: return "=="
        case .bangEqual: return "!="
        case .less: return "<"
        case .lessEqual: return "<="
        case .greater: return ">"
        case .greaterEqual: return ">="
        case .equal: return "="
        case .arrow: return "->"
        case .leftParen: return "("
        case .rightParen: return ")"
        case .leftBracket: return "["
        case .rightBracket: return "]"
        case .leftBrace: return "{"
        case .rightBrace: return "}"
        case .comma: return ","
        case .colon: return ":"
        case .dot: return "."
        case .newline: return "end of line"
        case .eof: return "end of file"
        }
    }

    /// Short name for token-stream dumps in tests: `ident(x)`, `kw(let)`, `num(1.0)`, `'('`, `NEWLINE`.
    public var debugName: String {
        switch self {
        case let .identifier(n): return "ident(\(n))"
        case let .keyword(k): return "kw(\(k.rawValue))"
        case let .number(v): return "num(\(formatNumber(v)))"
        case let .string(s): return "str(\(s.debugDescription))"
        case .newline: return "NEWLINE"
        case .eof: return "EOF"
        default: return spelling
        }
    }
}

/// Integers without ".0", everything else as Swift prints it.
func formatNumber(_ v: Double) -> String {
    if v.isFinite && v == v.rounded() && abs(v) < 1e15 { return String(Int64(v)) }
    return "\(v)"
}
