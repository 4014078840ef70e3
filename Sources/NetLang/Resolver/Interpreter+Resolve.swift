import Foundation

extension Interpreter {
    /// Phase 2: resolves a parsed file against the names defined so far (built-ins, earlier
    /// REPL entries and imports) and throws every name and call error at once, before any
    /// of its statements runs.
    func resolveNames(_ statements: [Statement]) throws {
        let resolver = Resolver(importedStatements: { [unowned self] path in
            guard let text = try? readScript(resolveBesideScript(path)) else { return nil }
            let (imported, diagnostics) = parse(SourceFile(name: path, text: text))
            return diagnostics.isEmpty ? imported : nil
        })
        let diagnostics = resolver.resolve(statements, globals: resolverGlobals())
        if diagnostics.count == 1 { throw diagnostics[0] }
        if !diagnostics.isEmpty { throw DiagnosticList(diagnostics) }
    }

    /// The global names as the resolver sees them: built-ins with their descriptions.
    func resolverGlobals() -> [String: Resolver.Binding] {
        var bindings: [String: Resolver.Binding] = [:]
        for name in globals.allNames {
            if case let .function(f)? = globals.lookup(name), f.isBuiltin, let d = BuiltinDescriptions.byName[name] {
                bindings[name] = .builtin(d)
            } else {
                bindings[name] = .value
            }
        }
        return bindings
    }
}
