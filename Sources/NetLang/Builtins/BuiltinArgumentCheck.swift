extension BuiltinDescription {
    /// The first problem of a call's arguments against the parameters — an unknown name,
    /// more positional arguments than it takes, a required one missing — with the message
    /// `Arguments` gives at run time. The resolver checks calls with it before a script
    /// runs; `Builtins.install` checks every call of a described built-in with it too, so
    /// a description that misses a parameter the built-in reads cannot go unnoticed.
    func argumentError(_ arguments: [(label: String?, labelSpan: SourceSpan?, span: SourceSpan)], call: SourceSpan) -> Diagnostic? {
        let names = namedParameterNames
        var given = Set<String>()
        for a in arguments {
            guard let label = a.label else { continue }
            guard names.contains(label) else {
                let hint = didYouMean(label, among: names)
                return .error("\(name) has no argument named '\(label)'\(hint)", at: a.labelSpan ?? a.span)
            }
            given.insert(label)
        }
        let positional = arguments.filter { $0.label == nil }
        if positional.count > positionalCount, !isVariadic {
            return .error("\(name) takes fewer positional arguments", at: positional[positionalCount].span)
        }
        for p in parameters where p.defaultValue == nil && !given.contains(p.name) {
            if let i = p.position, i < positional.count { continue }
            return .error("\(name) needs the argument '\(p.name)'", at: call)
        }
        return nil
    }
}
