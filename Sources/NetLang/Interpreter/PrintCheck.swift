/// What `netl check` verifies of a `print` item without evaluating it.
///
/// A check prints nothing, and what scripts print is often what a check does not have: a
/// training history or an analysis (placeholders with empty lists), a file the script
/// writes earlier (a check writes nothing). So the item is not evaluated; instead every
/// name it uses must be defined, and every member and index reached through a model, a
/// record or a data set — values the check has exactly as a run has them — must exist,
/// with the error a run would give at the same place (`print m["dense7"]`, `print d.z`,
/// `print p[1].dense7` for a list of models). A list index the check cannot confirm (out
/// of range of a placeholder list) ends the walk without an error.
extension Interpreter {
    func checkPrintItem(_ e: Expression, in env: Environment) throws {
        try checkNames(e, in: env)
        try checkMembers(e, in: env)
    }

    /// Every name an expression uses must be defined.
    private func checkNames(_ e: Expression, in env: Environment) throws {
        switch e {
        case let .identifier(name, span):
            if env.lookup(name) == nil {
                let hint = didYouMean(name, among: env.allNames)
                throw Diagnostic.error("'\(name)' is not defined\(hint)", at: span)
            }
        case let .list(items, _): for i in items { try checkNames(i, in: env) }
        case let .unary(_, operand, _): try checkNames(operand, in: env)
        case let .binary(_, l, r, _): try checkNames(l, in: env); try checkNames(r, in: env)
        case let .call(callee, args, _): try checkNames(callee, in: env); for a in args { try checkNames(a.value, in: env) }
        case let .member(base, _, _, _): try checkNames(base, in: env)
        case let .index(base, items, _):
            try checkNames(base, in: env)
            for i in items { if let s = i.start { try checkNames(s, in: env) }; if let t = i.end { try checkNames(t, in: env) } }
        default: break
        }
    }

    /// Walks each chain of members, indices and calls once, from its innermost base
    /// outwards (as `evaluatePostfixChain`, so a chain of any length costs its length),
    /// following the value while the check has it exactly; the run's error where a member
    /// or name is missing.
    private func checkMembers(_ e: Expression, in env: Environment) throws {
        var links: [Expression] = []
        var innermost = e
        chain: while true {
            switch innermost {
            case let .call(callee, _, _): links.append(innermost); innermost = callee
            case let .member(base, _, _, _): links.append(innermost); innermost = base
            case let .index(base, _, _): links.append(innermost); innermost = base
            default: break chain
            }
        }
        var value: Value?
        switch innermost {
        case let .identifier(name, _): value = env.lookup(name)
        case let .list(items, _): for i in items { try checkMembers(i, in: env) }
        case let .unary(_, operand, _): try checkMembers(operand, in: env)
        case let .binary(_, l, r, _): try checkMembers(l, in: env); try checkMembers(r, in: env)
        default: break
        }
        for link in links.reversed() {
            switch link {
            case let .call(_, args, _):
                for a in args { try checkMembers(a.value, in: env) }
                value = nil
            case let .member(_, name, nameSpan, _):
                guard let b = value else { continue }
                switch b {
                case .model, .record, .dataset: value = try member(b, name, span: nameSpan)
                default: value = nil
                }
            case let .index(_, items, span):
                for i in items {
                    if let s = i.start { try checkMembers(s, in: env) }
                    if let t = i.end { try checkMembers(t, in: env) }
                }
                guard let b = value else { continue }
                value = try exactIndex(b, items, in: env, span: span)
            default:
                break
            }
        }
    }

    /// `base[items]` when the check knows it exactly; nil where it stops knowing.
    private func exactIndex(_ base: Value, _ items: [IndexItem], in env: Environment, span: SourceSpan) throws -> Value? {
        // An index computed by a call or arithmetic is not evaluated here (a run evaluates
        // it once; side effects stay the run's).
        guard items.allSatisfy({ item in [item.start, item.end].allSatisfy { $0 == nil || $0!.isNameOrLiteral } }) else { return nil }
        switch base {
        case .model, .record:
            return try namedMember(base, items, in: env, span: span)
        case let .list(values):
            // A placeholder list (an analysis's under check) may be empty: out of range is
            // not judged.
            guard items.count == 1, !items[0].isSlice, let i = items[0].start,
                  case let .number(x) = try evaluate(i, in: env), x == x.rounded(),
                  let k = Int(exactly: x < 0 ? Double(values.count) + x : x), values.indices.contains(k) else { return nil }
            return values[k]
        default:
            return nil
        }
    }
}

private extension Expression {
    var isNameOrLiteral: Bool {
        switch self {
        case .number, .string, .identifier: return true
        default: return false
        }
    }
}
