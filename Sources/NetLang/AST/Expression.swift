/// Expressions of the language (grammar/netlang.ebnf, "Expressions").
public indirect enum Expression: Sendable {
    case number(Double, SourceSpan)
    case string(String, SourceSpan)
    case boolean(Bool, SourceSpan)
    case identifier(String, SourceSpan)
    /// `[a, b, c]`; nested numeric lists are tensor literals.
    case list([Expression], SourceSpan)
    case unary(op: UnaryOperator, operand: Expression, span: SourceSpan)
    case binary(op: BinaryOperator, lhs: Expression, rhs: Expression, span: SourceSpan)
    case call(callee: Expression, arguments: [Argument], span: SourceSpan)
    case member(base: Expression, name: String, nameSpan: SourceSpan, span: SourceSpan)
    case index(base: Expression, items: [IndexItem], span: SourceSpan)
    /// `fn(a, b) = a + b` (body `[.returnValue(a + b)]`) or `fn(a, b) { … return … }`.
    case lambda(parameters: [Parameter], body: [Statement], span: SourceSpan)

    public var span: SourceSpan {
        switch self {
        case let .number(_, s), let .string(_, s), let .boolean(_, s), let .identifier(_, s), let .list(_, s): s
        case let .unary(_, _, s), let .binary(_, _, _, s), let .call(_, _, s), let .member(_, _, _, s),
             let .index(_, _, s), let .lambda(_, _, s): s
        }
    }
}

public enum UnaryOperator: String, Sendable { case negate = "-", plus = "+", not = "not" }

public enum BinaryOperator: String, Sendable {
    case add = "+", subtract = "-", multiply = "*", divide = "/", modulo = "%", power = "^", matmul = "@"
    case equal = "==", notEqual = "!=", less = "<", lessEqual = "<=", greater = ">", greaterEqual = ">="
    case and = "and", or = "or"
}

/// A call argument: positional (`label == nil`) or named (`lr: 1e-3`).
public struct Argument: Sendable {
    public var label: String?
    public var labelSpan: SourceSpan?
    public var value: Expression
    public init(label: String? = nil, labelSpan: SourceSpan? = nil, value: Expression) {
        self.label = label; self.labelSpan = labelSpan; self.value = value
    }
}

/// A parameter of a function or block, with an optional default value.
public struct Parameter: Sendable {
    public var name: String
    public var span: SourceSpan
    public var defaultValue: Expression?
    public init(name: String, span: SourceSpan, defaultValue: Expression? = nil) {
        self.name = name; self.span = span; self.defaultValue = defaultValue
    }
}

/// One position of an index expression: `x[i]`, `x[a:b]`, `x[:, 0]`.
public struct IndexItem: Sendable {
    public var start: Expression?
    public var end: Expression?
    /// Whether a ":" was written (a slice rather than a single index).
    public var isSlice: Bool
    public var span: SourceSpan
    public init(start: Expression?, end: Expression?, isSlice: Bool, span: SourceSpan) {
        self.start = start; self.end = end; self.isSlice = isSlice; self.span = span
    }
}
