extension ModelValue {
    /// Adds a train block's steps to what `learnedWeights` says.
    func recordTraining(steps: Int) {
        var total = steps
        if let previous = learnedWeights, previous.hasPrefix("trained for "),
           let n = Int(previous.dropFirst("trained for ".count).prefix { $0.isNumber }) { total += n }
        learnedWeights = "trained for \(counted(total, "step"))"
    }
}

extension Interpreter {
    /// `model f(…) { … }` where f already names a model with learned weights (trained or
    /// loaded): the new definition starts from fresh initial weights and the old ones are
    /// gone, which in the REPL is easy to do by accident (re-entering a definition from the
    /// history). Reported through `warning` with a note at the old definition; the
    /// redefinition itself goes ahead.
    func warnIfDiscardingWeights(of definition: ModelDefinition, in env: Environment) {
        guard let warning, !checkOnly, case let .model(old)? = env.lookup(definition.name), let learned = old.learnedWeights else { return }
        // Weights a model built on it keeps are not discarded (`warnIfComposedElsewhere` says so).
        guard modelsUsing(old, in: env).isEmpty else { return }
        let notes = old.definition.map { [Diagnostic(.note, "the model '\(definition.name)' \(learned) was defined here", at: $0.nameSpan)] } ?? []
        warning(Diagnostic(.warning, "this redefines '\(definition.name)', which was \(learned): its weights are discarded and the new model starts from initial weights (save them first: save \(definition.name) to \"\(definition.name).safetensors\")",
                           at: definition.nameSpan, notes: notes))
    }
}
