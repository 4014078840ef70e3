/// Where a `model` statement binds its name.
///
/// At the top level `model d(…) { … }` defines (or redefines) `d`. Inside an `if`, a loop
/// or a `repeat` it does the same to a model `d` of an enclosing scope — as Python's
/// `d = Net()` in an `if` or `for` rebinds the module-level `d` — so a script can choose a
/// model or re-initialise it (a fresh model of the same name starts from new initial
/// weights) conditionally or once per round. A name no enclosing scope binds to a model
/// is defined in the block, local to it. A function body is a boundary, as in Python: a
/// `model` statement there is local to the call, and when it hides a model of the same
/// name outside, a warning says so (return the model instead, or define it at top level).
extension Interpreter {
    func defineModel(_ m: ModelDefinition, in env: Environment) throws {
        let scope = env.scopeOfModel(named: m.name) ?? env
        // A redefinition inside a block is deliberate (re-initialising is its point): only a
        // top-level one may be the REPL accident `warnIfDiscardingWeights` is about.
        if env === globals { warnIfDiscardingWeights(of: m, in: env) }
        warnIfComposedElsewhere(m, in: scope)
        warnIfShadowingFromFunction(m, in: env)
        let model = try buildModel(m, in: env)
        models.append(model)
        scope.define(m.name, .model(model))
    }

    /// A `model` statement in a function body that hides a model of the same name outside.
    private func warnIfShadowingFromFunction(_ m: ModelDefinition, in env: Environment) {
        guard let warning, let body = env.enclosingFunction, let function = body.functionName,
              case let .model(outer)? = body.parent?.lookup(m.name),
              warnedShadowing.insert("\(m.nameSpan.file.name):\(m.nameSpan.start)").inserted   // once, not per call
        else { return }
        let place = outer.definition.map { " at line \($0.nameSpan.file.location(of: $0.nameSpan.start).line)" } ?? ""
        let notes = outer.definition.map { [Diagnostic(.note, "the model '\(m.name)' outside '\(function)' is defined here", at: $0.nameSpan)] } ?? []
        warning(Diagnostic(.warning, "the model '\(m.name)' defined inside the function '\(function)' is local to it and shadows the model '\(m.name)'\(place); to replace that one, return the new model ('return \(m.name)') and assign it ('\(m.name) = \(function)(…)'), or define it outside the function",
                           at: m.nameSpan, notes: notes))
    }
}
