import NetRuntime

/// Left-associative chains without recursion.
///
/// The parser builds `1 + 1 + … + 1` as a left-leaning tree and `a[0][0]…`, `b.train.train…`,
/// `f(x)(y)…` as nested postfix nodes, so the depth of the tree grows with the length of the
/// chain. Evaluating such a chain by walking down its left spine once and folding from the
/// innermost operand outwards needs constant stack depth, whatever the chain's length.
extension Interpreter {
    /// `a op₁ b op₂ c …`: the left operand first, then each right operand in source order
    /// (`and` / `or` keep their short-circuit meaning).
    func evaluateBinaryChain(_ e: Expression, in env: Environment) throws -> Value {
        var links: [(op: BinaryOperator, rhs: Expression, span: SourceSpan)] = []
        var leftmost = e
        while case let .binary(op, lhs, rhs, span) = leftmost {
            links.append((op, rhs, span))
            leftmost = lhs
        }
        var value = try evaluate(leftmost, in: env)
        var valueSpan = leftmost.span
        for (op, rhs, span) in links.reversed() {
            try pollInterruption(at: span)
            if op == .and || op == .or {
                let l = try truth(value, span: valueSpan)
                if op == .and && !l { value = .boolean(false) }
                else if op == .or && l { value = .boolean(true) }
                else { value = .boolean(try truth(evaluate(rhs, in: env), span: rhs.span)) }
            } else {
                value = try binary(op, value, try evaluate(rhs, in: env), span: span)
            }
            valueSpan = span
        }
        return value
    }

    /// `base.name`, `base[i]`, `base(args)` repeated: the innermost base first.
    func evaluatePostfixChain(_ e: Expression, in env: Environment) throws -> Value {
        var links: [Expression] = []
        var innermost = e
        while true {
            switch innermost {
            case let .call(callee, _, _): links.append(innermost); innermost = callee; continue
            case let .member(base, _, _, _): links.append(innermost); innermost = base; continue
            case let .index(base, _, _): links.append(innermost); innermost = base; continue
            default: break
            }
            break
        }
        var value = try evaluate(innermost, in: env)
        for link in links.reversed() {
            try pollInterruption(at: link.span)
            switch link {
            case let .call(callee, arguments, span):
                let args = try arguments.map {
                    ArgumentValue(label: $0.label, value: try evaluate($0.value, in: env), span: $0.value.span, labelSpan: $0.labelSpan)
                }
                value = try call(value, args, span: span, calleeSpan: callee.span)
            case let .member(_, name, nameSpan, _):
                value = try member(value, name, span: nameSpan)
            case let .index(_, items, span):
                value = try index(value, items, in: env, span: span)
            default:
                break
            }
        }
        return value
    }
}
