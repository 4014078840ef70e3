/// The resolver's expressions: names are looked up, lambda bodies deferred like function
/// bodies, and calls of known functions checked against their parameters.
extension Resolver {
    func resolve(_ e: Expression, in scope: Scope) {
        // Left-associative chains (`a + b + …`, `x.f(1)[2]`) are walked along their left
        // spine in a loop, as the interpreter evaluates them: constant stack depth.
        var current = e
        while true {
            switch current {
            case .number, .string, .boolean: return
            case let .identifier(name, span):
                resolveName(name, span: span, in: scope)
                return
            case let .list(items, _):
                for i in items { resolve(i, in: scope) }
                return
            case let .unary(_, operand, _):
                current = operand
            case let .binary(_, lhs, rhs, _):
                resolve(rhs, in: scope)
                current = lhs
            case let .call(callee, arguments, span):
                for a in arguments { resolve(a.value, in: scope) }
                if case let .identifier(name, _) = callee, let binding = scope.lookup(name)?.binding {
                    checkCall(binding, arguments, span: span)
                }
                current = callee
            case let .member(base, _, _, _):
                current = base
            case let .index(base, items, _):
                for i in items {
                    if let s = i.start { resolve(s, in: scope) }
                    if let t = i.end { resolve(t, in: scope) }
                }
                current = base
            case let .lambda(parameters, body, _):
                deferBody(parameters: parameters, in: scope) { resolver, inner in resolver.resolveBlock(body, in: inner) }
                return
            }
        }
    }

    func resolveName(_ name: String, span: SourceSpan, in scope: Scope) {
        guard scope.lookup(name) == nil, !scope.anyOpen else { return }
        let hint = didYouMean(name, among: scope.allNames)
        report("'\(name)' is not defined\(hint)", at: span)
    }

    /// A call of a user function or a described built-in: the checks of
    /// `Interpreter.bind` (and of `Arguments` for built-ins), with the same messages.
    private func checkCall(_ binding: Binding, _ arguments: [Argument], span: SourceSpan) {
        switch binding {
        case .value: return
        case let .function(name, parameters):
            checkArguments(arguments, names: parameters.map(\.name), required: Set(parameters.filter { $0.defaultValue == nil }.map(\.name)),
                           function: name, span: span)
        case let .builtin(description):
            let written = arguments.map { (label: $0.label, labelSpan: $0.labelSpan, span: $0.value.span) }
            if let problem = description.argumentError(written, call: span) { diagnostics.append(problem) }
        }
    }

    func checkArguments(_ arguments: [Argument], names: [String], required: Set<String>, function: String, span: SourceSpan) {
        var bound = Set<String>()
        var position = 0
        for a in arguments {
            if let label = a.label {
                guard names.contains(label) else {
                    let hint = didYouMean(label, among: names)
                    return report("'\(function)' has no parameter named '\(label)'\(hint)", at: a.labelSpan ?? a.value.span)
                }
                guard bound.insert(label).inserted else { return report("'\(label)' is given twice", at: a.value.span) }
            } else {
                while position < names.count && bound.contains(names[position]) { position += 1 }
                guard position < names.count else {
                    return report("'\(function)' takes \(names.count) argument\(names.count == 1 ? "" : "s"), got more", at: a.value.span)
                }
                bound.insert(names[position])
                position += 1
            }
        }
        for name in names where required.contains(name) && !bound.contains(name) {
            return report("'\(function)' needs the argument '\(name)'", at: span)
        }
    }
}
