/// Phase 2 of running a script — parse → **resolve** → run (issue 23).
///
/// A pass over the AST before any statement runs, as the resolver of a classic tree-walking
/// interpreter: it binds every name to a scope and checks the arity and argument names of
/// calls to user functions and built-ins, and reports every such error with its location
/// at once — so a misspelt name after a long `train` block fails before training starts.
///
/// Scopes follow the interpreter's environments exactly: a file (or REPL entry) at the
/// global scope, which starts with every name already defined (built-ins, earlier REPL
/// entries, imports run before); a new scope for each function body, loop body and `if`
/// branch; `let`, `fn`, `block`, `model`, `data` and `for` bind in the current one.
/// Function and lambda bodies are resolved when their enclosing scope ends, because they
/// run when called and see names defined after them (a function calling one defined below
/// it). The resolver never guesses: what it cannot know statically (members of data sets
/// and records, the names a failed import would define) it leaves to run time.
final class Resolver {
    /// A name's binding: a plain value, or a function whose parameters are known.
    enum Binding {
        case value
        case function(name: String, parameters: [Parameter])
        case builtin(BuiltinDescription)
    }

    final class Scope {
        let parent: Scope?
        var bindings: [String: Binding] = [:]
        /// Names an import may have defined without the resolver knowing them: lookups
        /// that miss are not errors any more.
        var isOpen = false
        /// Function and lambda bodies to resolve when this scope's statements are done.
        var pending: [() -> Void] = []
        init(parent: Scope?) { self.parent = parent }

        func lookup(_ name: String) -> (binding: Binding, scope: Scope)? {
            if let b = bindings[name] { return (b, self) }
            return parent?.lookup(name)
        }
        var anyOpen: Bool { isOpen || (parent?.anyOpen ?? false) }
        var allNames: [String] { Array(bindings.keys) + (parent?.allNames ?? []) }
    }

    var diagnostics: [Diagnostic] = []
    /// The top-level statements of an imported file (path as written), nil when it cannot
    /// be read or parsed (run time reports that).
    let importedStatements: (String) -> [Statement]?

    init(importedStatements: @escaping (String) -> [Statement]? = { _ in nil }) {
        self.importedStatements = importedStatements
    }

    /// Resolves a file's statements against the global names; the diagnostics, in source order.
    func resolve(_ statements: [Statement], globals: [String: Binding]) -> [Diagnostic] {
        let scope = Scope(parent: nil)
        scope.bindings = globals
        resolveBlock(statements, in: scope)
        return diagnostics.sorted { ($0.span?.start ?? 0) < ($1.span?.start ?? 0) }
    }

    func report(_ message: String, at span: SourceSpan) {
        diagnostics.append(.error(message, at: span))
    }

    // MARK: Statements

    /// A sequence of statements in `scope`, then the bodies its functions deferred.
    func resolveBlock(_ statements: [Statement], in scope: Scope) {
        for s in statements { resolve(s, in: scope) }
        while !scope.pending.isEmpty {
            let bodies = scope.pending
            scope.pending = []
            for body in bodies { body() }
        }
    }

    func resolve(_ statement: Statement, in scope: Scope) {
        switch statement {
        case let .importFile(path, _):
            // An import runs in the global environment wherever it is written.
            var global = scope
            while let parent = global.parent { global = parent }
            guard let imported = importedStatements(path) else { global.isOpen = true; return }
            for s in imported { declareTopLevel(s, in: global) }
        case let .letBinding(name, _, value, _):
            resolve(value, in: scope)
            scope.bindings[name] = .value
        case let .assignment(name, nameSpan, value, _):
            resolve(value, in: scope)
            if let (_, owner) = scope.lookup(name) {
                owner.bindings[name] = .value   // another value now: its old parameters no longer apply
            } else if !scope.anyOpen {
                report("'\(name)' is not defined; use 'let \(name) = …' to define it", at: nameSpan)
            }
        case let .function(f):
            scope.bindings[f.name] = .function(name: f.name, parameters: f.parameters)
            deferBody(parameters: f.parameters, in: scope) { resolver, inner in resolver.resolveBlock(f.body, in: inner) }
        case let .block(b):
            scope.bindings[b.name] = .value
            deferBody(parameters: b.parameters, in: scope) { resolver, inner in
                for item in b.layers { resolver.resolve(item, in: inner) }
            }
        case let .model(m):
            for a in m.arguments { resolve(a.value, in: scope) }
            for item in m.layers { resolve(item, in: scope) }
            scope.bindings[m.name] = .value
        case let .data(name, _, value, _):
            resolve(value, in: scope)
            scope.bindings[name] = .value
        case let .train(t):
            resolveTrain(t, in: scope)
            if let result = t.result { scope.bindings[result.name] = .value }
        case let .print(items, _):
            for e in items { resolve(e, in: scope) }
        case let .repeatLoop(count, body, _):
            resolve(count, in: scope)
            resolveBlock(body, in: Scope(parent: scope))
        case let .forLoop(variable, _, sequence, body, _):
            resolve(sequence, in: scope)
            let inner = Scope(parent: scope)
            inner.bindings[variable] = .value
            resolveBlock(body, in: inner)
        case let .ifElse(condition, then, otherwise, _):
            resolve(condition, in: scope)
            resolveBlock(then, in: Scope(parent: scope))
            if let otherwise { resolveBlock(otherwise, in: Scope(parent: scope)) }
        case let .returnValue(e, _):
            resolve(e, in: scope)
        case let .save(model, path, options, _), let .load(model, path, options, _):
            for o in options { resolve(o.value, in: scope) }
            resolve(model, in: scope)
            resolve(path, in: scope)
        case let .expression(e):
            resolve(e, in: scope)
        }
    }

    /// The names an imported file defines at its top level (its own imports may define
    /// more: the scope becomes open).
    private func declareTopLevel(_ statement: Statement, in scope: Scope) {
        switch statement {
        case let .letBinding(name, _, _, _), let .data(name, _, _, _): scope.bindings[name] = .value
        case let .function(f): scope.bindings[f.name] = .function(name: f.name, parameters: f.parameters)
        case let .block(b): scope.bindings[b.name] = .value
        case let .model(m): scope.bindings[m.name] = .value
        case .importFile: scope.isOpen = true
        default: break
        }
    }

    /// Resolves a body with its parameters when `scope` ends; defaults are evaluated in
    /// the scope the function is defined in (as `Interpreter.bind` does).
    func deferBody(parameters: [Parameter], in scope: Scope, _ body: @escaping (Resolver, Scope) -> Void) {
        for p in parameters { if let d = p.defaultValue { resolve(d, in: scope) } }
        let inner = Scope(parent: scope)
        for p in parameters { inner.bindings[p.name] = .value }
        scope.pending.append { [unowned self] in body(self, inner) }
    }

    private func resolveTrain(_ t: TrainStatement, in scope: Scope) {
        for (name, span) in t.models { resolveName(name, span: span, in: scope) }
        resolve(t.data, in: scope)
        // The loss sees the batch as x and y; log and validate lines see loss and epoch.
        let inner = Scope(parent: scope)
        for name in ["x", "y", "loss", "epoch"] { inner.bindings[name] = .value }
        for item in t.items {
            switch item {
            case let .loss(e, _), let .optimizer(e, _), let .schedule(e, _), let .setting(_, e, _), let .shuffle(e, _):
                resolve(e, in: inner)
            case let .validate(e, every, _):
                resolve(e, in: inner)
                if let every { resolve(every, in: inner) }
            case let .earlyStop(args, _):
                for a in args { resolve(a.value, in: inner) }
            case .keepBest, .resetOptimizer: break
            case let .minimize(e, over, _), let .maximize(e, over, _):
                resolve(e, in: inner)
                for (name, span) in over { resolveName(name, span: span, in: scope) }
            case let .log(items, _):
                for e in items { resolve(e, in: inner) }
            }
        }
    }

    // MARK: Layers

    private func resolve(_ item: LayerItem, in scope: Scope) {
        switch item {
        case let .call(_, _, arguments, constraints, _):
            for a in arguments { resolve(a.value, in: scope) }
            for c in constraints { for a in c.arguments { resolve(a.value, in: scope) } }
        case let .residual(arguments, constraints, body, _):
            for a in arguments { resolve(a.value, in: scope) }
            for c in constraints { for a in c.arguments { resolve(a.value, in: scope) } }
            for i in body { resolve(i, in: scope) }
        case let .repeated(count, body, _):
            resolve(count, in: scope)
            for i in body { resolve(i, in: scope) }
        case let .constrained(c, body, _):
            for a in c.arguments { resolve(a.value, in: scope) }
            for i in body { resolve(i, in: scope) }
        case let .bodied(_, _, arguments, body, _):
            for a in arguments { resolve(a.value, in: scope) }
            for i in body { resolve(i, in: scope) }
        }
    }
}
