/// An S-expression rendering of the AST, for tests and the REPL.
///
///     (let x (+ 1 (* 2 3)))
///     (model mlp (input: (list 64))
///       (dense 128 (lipschitz c: 0.9))
///       relu)
///
/// Expressions are one line; statements and layer items with bodies put each child on
/// its own line, indented by two spaces.

/// Renders statements, one top-level statement per line (or block of lines).
public func dumpAST(_ statements: [Statement]) -> String {
    statements.map { ASTPrinter.statement($0, indent: 0) }.joined(separator: "\n")
}

/// Renders an expression on one line.
public func dumpAST(_ expression: Expression) -> String { ASTPrinter.expression(expression) }

enum ASTPrinter {
    static func expression(_ e: Expression) -> String {
        switch e {
        case let .number(v, _): return formatNumber(v)
        case let .string(s, _): return s.debugDescription
        case let .boolean(b, _): return b ? "true" : "false"
        case let .identifier(n, _): return n
        case let .list(items, _): return "(list" + items.map { " " + expression($0) }.joined() + ")"
        case let .unary(op, operand, _): return "(\(op.rawValue) \(expression(operand)))"
        case let .binary(op, lhs, rhs, _): return "(\(op.rawValue) \(expression(lhs)) \(expression(rhs)))"
        case let .call(callee, args, _): return "(call \(expression(callee))\(arguments(args)))"
        case let .member(base, name, _, _): return "(. \(expression(base)) \(name))"
        case let .index(base, items, _):
            return "(index \(expression(base))" + items.map { " " + index($0) }.joined() + ")"
        case let .lambda(params, body, _):
            if body.count == 1, case let .returnValue(value, _) = body[0] { return "(fn \(parameters(params)) \(expression(value)))" }
            return "(fn \(parameters(params)) {\(body.map { statement($0, indent: 0) }.joined(separator: "; "))})"
        }
    }

    /// " a lr: 0.1" (leading space per argument).
    static func arguments(_ args: [Argument]) -> String {
        args.map { a in " " + (a.label.map { "\($0): " } ?? "") + expression(a.value) }.joined()
    }

    static func parameters(_ ps: [Parameter]) -> String {
        "(" + ps.map { p in p.name + (p.defaultValue.map { "=" + expression($0) } ?? "") }.joined(separator: " ") + ")"
    }

    static func index(_ item: IndexItem) -> String {
        guard item.isSlice else { return item.start.map(expression) ?? "_" }
        return "(: \(item.start.map(expression) ?? "_") \(item.end.map(expression) ?? "_"))"
    }

    static func constraint(_ c: Constraint) -> String { "(lipschitz\(arguments(c.arguments)))" }

    /// "(head" + children on their own lines + ")".
    static func node(_ head: String, _ children: [String], indent: Int) -> String {
        let pad = String(repeating: " ", count: indent)
        guard !children.isEmpty else { return pad + "(" + head + ")" }
        return pad + "(" + head + "\n" + children.joined(separator: "\n") + ")"
    }

    static func statements(_ body: [Statement], indent: Int) -> [String] {
        body.map { statement($0, indent: indent) }
    }

    static func layers(_ body: [LayerItem], indent: Int) -> [String] {
        body.map { layer($0, indent: indent) }
    }

    static func statement(_ s: Statement, indent: Int) -> String {
        let pad = String(repeating: " ", count: indent), inner = indent + 2
        switch s {
        case let .importFile(path, _): return pad + "(import \(path.debugDescription))"
        case let .letBinding(name, _, value, _): return pad + "(let \(name) \(expression(value)))"
        case let .assignment(name, _, value, _): return pad + "(set \(name) \(expression(value)))"
        case let .function(f):
            return node("fn \(f.name) \(parameters(f.parameters))", statements(f.body, indent: inner), indent: indent)
        case let .block(b):
            return node("block \(b.name) \(parameters(b.parameters))", layers(b.layers, indent: inner), indent: indent)
        case let .model(m):
            return node("model \(m.name) (\(arguments(m.arguments).dropFirst()))", layers(m.layers, indent: inner),
                        indent: indent)
        case let .data(name, _, value, _): return pad + "(data \(name) \(expression(value)))"
        case let .train(t):
            let head = "train (\(t.models.map(\.name).joined(separator: " "))) on \(expression(t.data))"
            return node(head, t.items.map { pad + "  " + trainItem($0) }, indent: indent)
        case let .print(values, _): return pad + "(print" + values.map { " " + expression($0) }.joined() + ")"
        case let .repeatLoop(count, body, _):
            return node("repeat \(expression(count))", statements(body, indent: inner), indent: indent)
        case let .forLoop(v, _, seq, body, _):
            return node("for \(v) in \(expression(seq))", statements(body, indent: inner), indent: indent)
        case let .ifElse(cond, then, otherwise, _):
            var children = [node("then", statements(then, indent: inner + 2), indent: inner)]
            if let otherwise { children.append(node("else", statements(otherwise, indent: inner + 2), indent: inner)) }
            return node("if \(expression(cond))", children, indent: indent)
        case let .returnValue(v, _): return pad + "(return \(expression(v)))"
        case let .save(m, p, o, _): return pad + "(save \(expression(m)) to \(expression(p))\(arguments(o)))"
        case let .load(m, p, o, _): return pad + "(load \(expression(m)) from \(expression(p))\(arguments(o)))"
        case let .expression(e): return pad + expression(e)
        }
    }

    static func layer(_ item: LayerItem, indent: Int) -> String {
        let pad = String(repeating: " ", count: indent), inner = indent + 2
        switch item {
        case let .call(name, _, args, constraints, _):
            if args.isEmpty && constraints.isEmpty { return pad + name }
            return pad + "(" + name + arguments(args) + constraints.map { " " + constraint($0) }.joined() + ")"
        case let .bodied(name, _, args, body, _):
            return node(name + " (\(arguments(args).dropFirst()))", layers(body, indent: inner), indent: indent)
        case let .residual(args, constraints, body, _):
            let head = "residual (\(arguments(args).dropFirst()))" + constraints.map { " " + constraint($0) }.joined()
            return node(head, layers(body, indent: inner), indent: indent)
        case let .repeated(count, body, _):
            return node("repeat \(expression(count))", layers(body, indent: inner), indent: indent)
        case let .constrained(c, body, _):
            return node("with " + constraint(c), layers(body, indent: inner), indent: indent)
        }
    }

    static func trainItem(_ item: TrainItem) -> String {
        switch item {
        case let .loss(e, _): return "(loss \(expression(e)))"
        case let .minimize(e, over, _):
            return "(minimize \(expression(e))" + (over.isEmpty ? "" : " over " + over.map(\.name).joined(separator: " ")) + ")"
        case let .maximize(e, over, _):
            return "(maximize \(expression(e))" + (over.isEmpty ? "" : " over " + over.map(\.name).joined(separator: " ")) + ")"
        case let .optimizer(e, _): return "(optimizer \(expression(e)))"
        case let .schedule(e, _): return "(schedule \(expression(e)))"
        case let .setting(name, e, _): return "(\(name) \(expression(e)))"
        case let .shuffle(e, _): return "(shuffle \(expression(e)))"
        case let .log(values, _): return "(log" + values.map { " " + expression($0) }.joined() + ")"
        case let .validate(e, every, _): return "(validate \(expression(e))" + (every.map { " every " + expression($0) } ?? "") + ")"
        case let .earlyStop(args, _): return "(early_stop\(arguments(args)))"
        case .keepBest: return "(keep best)"
        case .resetOptimizer: return "(reset optimizer)"
        }
    }
}
