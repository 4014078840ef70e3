import Foundation

/// The names a script defines and where, read from its syntax tree (no run needed): what
/// go to definition, the outline (document symbols) and completion of names in scope use.
/// Scopes mirror the resolver's (Resolver/Resolver.swift): a function or block body, a
/// loop body and an `if` branch each open one; `let`, `data`, `fn`, `block`, `model` and
/// `for` bind in the current one.
public struct DocumentIndex {
    public enum Kind: String, Sendable { case model, function, block, data, variable, parameter, loopVariable, trainBlock, `import` }

    public struct Definition {
        public let name: String
        public let kind: Kind
        /// The defining name (the selection); for a train block its models.
        public let nameSpan: SourceSpan
        /// The whole definition (the statement).
        public let span: SourceSpan
        /// The bytes where the name can be used (the enclosing scope).
        public let scope: Range<Int>
        /// Definitions inside it (a function's parameters and body), for the outline.
        public var children: [Definition] = []
    }

    /// Every definition in source order, nested ones as `children` of their function,
    /// block or train block; loop and `if` bodies are flattened into their scope's list.
    public private(set) var definitions: [Definition] = []
    /// `import "path"` statements: the path as written and the statement's span.
    public private(set) var imports: [(path: String, span: SourceSpan)] = []

    public init(_ statements: [Statement], file: SourceFile) {
        definitions = Self.collect(statements, scope: 0..<file.bytes.count, imports: &imports)
    }

    private static func collect(_ statements: [Statement], scope: Range<Int>,
                                imports: inout [(path: String, span: SourceSpan)]) -> [Definition] {
        var out: [Definition] = []
        func visible(from s: SourceSpan) -> Range<Int> { s.start..<Swift.max(s.start, scope.upperBound) }
        func inner(_ s: SourceSpan) -> Range<Int> { s.start..<s.end }
        for statement in statements {
            switch statement {
            case let .importFile(path, span):
                imports.append((path, span))
            case let .letBinding(name, nameSpan, _, span):
                out.append(Definition(name: name, kind: .variable, nameSpan: nameSpan, span: span, scope: visible(from: span)))
            case let .data(name, nameSpan, _, span):
                out.append(Definition(name: name, kind: .data, nameSpan: nameSpan, span: span, scope: visible(from: span)))
            case let .function(f):
                var d = Definition(name: f.name, kind: .function, nameSpan: f.nameSpan, span: f.span, scope: scope)
                d.children = parameters(f.parameters, in: f.span) + collect(f.body, scope: inner(f.span), imports: &imports)
                out.append(d)
            case let .block(b):
                var d = Definition(name: b.name, kind: .block, nameSpan: b.nameSpan, span: b.span, scope: scope)
                d.children = parameters(b.parameters, in: b.span)
                out.append(d)
            case let .model(m):
                out.append(Definition(name: m.name, kind: .model, nameSpan: m.nameSpan, span: m.span, scope: visible(from: m.span)))
            case let .train(t):
                let name = "train " + t.models.map(\.name).joined(separator: ", ")
                let nameSpan = t.models.first.map { $0.span.to(t.models.last!.span) } ?? t.span
                out.append(Definition(name: name, kind: .trainBlock, nameSpan: nameSpan, span: t.span, scope: inner(t.span)))
            case let .forLoop(variable, variableSpan, _, body, span):
                out.append(Definition(name: variable, kind: .loopVariable, nameSpan: variableSpan, span: span, scope: inner(span)))
                out += collect(body, scope: inner(span), imports: &imports)
            case let .repeatLoop(_, body, span):
                out += collect(body, scope: inner(span), imports: &imports)
            case let .ifElse(_, then, otherwise, span):
                out += collect(then, scope: inner(span), imports: &imports)
                out += collect(otherwise ?? [], scope: inner(span), imports: &imports)
            case .assignment, .print, .returnValue, .save, .load, .expression:
                break
            }
        }
        return out
    }

    private static func parameters(_ parameters: [Parameter], in span: SourceSpan) -> [Definition] {
        parameters.map { Definition(name: $0.name, kind: .parameter, nameSpan: $0.span, span: $0.span, scope: span.start..<span.end) }
    }

    /// Every definition, nested ones included, in source order.
    public var allDefinitions: [Definition] {
        func flatten(_ ds: [Definition]) -> [Definition] { ds.flatMap { [$0] + flatten($0.children) } }
        return flatten(definitions).filter { $0.kind != .trainBlock }
    }

    /// The definition `name` refers to at byte `offset`: among the definitions whose scope
    /// holds the offset, the innermost scope's, and there the last one before the offset
    /// (a name rebound by `let` again) or else the first (a function used above its `fn`).
    public func definition(of name: String, at offset: Int) -> Definition? {
        let candidates = allDefinitions.filter { $0.name == name && ($0.scope.contains(offset) || $0.scope.upperBound == offset) }
        guard let narrowest = candidates.map(\.scope.count).min() else { return nil }
        let innermost = candidates.filter { $0.scope.count == narrowest }
        return innermost.last(where: { $0.nameSpan.start <= offset }) ?? innermost.first
    }

    /// The names usable at byte `offset` (completion).
    public func names(at offset: Int) -> [String] {
        allDefinitions.filter { $0.scope.contains(offset) || $0.scope.upperBound == offset }.map(\.name)
    }
}
