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
        try forEachSubexpression(e) { sub in
            switch sub {
            case .member, .index: _ = try exactChainValue(sub, in: env)
            default: break
            }
        }
    }

    /// Every name an expression uses must be defined.
    private func checkNames(_ e: Expression, in env: Environment) throws {
        try forEachSubexpression(e) { sub in
            guard case let .identifier(name, span) = sub, env.lookup(name) == nil else { return }
            let hint = suggestion(for: name, among: env.allNames).map { "; did you mean '\($0)'?" } ?? ""
            throw Diagnostic.error("'\(name)' is not defined\(hint)", at: span)
        }
    }

    /// Visits `e` and the expressions in it that a check looks into (operands, call
    /// arguments, lists, member bases, indices), outermost first.
    private func forEachSubexpression(_ e: Expression, _ visit: (Expression) throws -> Void) throws {
        try visit(e)
        switch e {
        case let .list(items, _): for i in items { try forEachSubexpression(i, visit) }
        case let .unary(_, operand, _): try forEachSubexpression(operand, visit)
        case let .binary(_, l, r, _): try forEachSubexpression(l, visit); try forEachSubexpression(r, visit)
        case let .call(callee, args, _):
            try forEachSubexpression(callee, visit)
            for a in args { try forEachSubexpression(a.value, visit) }
        case let .member(base, _, _, _): try forEachSubexpression(base, visit)
        case let .index(base, items, _):
            try forEachSubexpression(base, visit)
            for i in items {
                if let s = i.start { try forEachSubexpression(s, visit) }
                if let t = i.end { try forEachSubexpression(t, visit) }
            }
        default: break
        }
    }

    /// The value of a chain of names, members and indices while the check has it exactly
    /// (through models, records, data sets and lists indexed by a literal or a name); nil
    /// where it stops knowing. Errors are the run's.
    private func exactChainValue(_ e: Expression, in env: Environment) throws -> Value? {
        switch e {
        case let .identifier(name, _):
            return env.lookup(name)
        case let .member(base, name, nameSpan, _):
            guard let b = try exactChainValue(base, in: env) else { return nil }
            switch b {
            case .model, .record, .dataset: return try member(b, name, span: nameSpan)
            default: return nil
            }
        case let .index(base, items, span):
            guard let b = try exactChainValue(base, in: env) else { return nil }
            // An index computed by a call or arithmetic is not evaluated here (a run
            // evaluates it once; side effects stay the run's).
            guard items.allSatisfy({ item in [item.start, item.end].allSatisfy { $0 == nil || $0!.isNameOrLiteral } }) else { return nil }
            switch b {
            case .model, .record: return try namedMember(b, items, in: env, span: span)
            case let .list(values):
                guard items.count == 1, !items[0].isSlice, let i = items[0].start,
                      case let .number(x) = try evaluate(i, in: env), x == x.rounded(),
                      let k = Int(exactly: x < 0 ? Double(values.count) + x : x), values.indices.contains(k) else { return nil }
                return values[k]
            default: return nil
            }
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
