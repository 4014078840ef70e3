import NetLibrary
import NetRuntime

/// `grad(f, model)`: the gradient of a scalar function with respect to a model's trainable
/// parameters, as `jax.grad` gives it for a pytree of parameters. f is called with the
/// model (or the list of models) as its argument; the result is a record nested like the
/// checkpoint names, so `g.mlp.dense1.weight` is ∂f/∂`mlp.dense1.weight`.
extension BuiltinContext {
    /// The scalar f(models) as a graph node and the gradient node of every trainable
    /// parameter of the models, with the parameters' checkpoint names.
    func parameterGradientGraph(_ f: Callable, argument: Value, models: [ModelValue], span: SourceSpan)
        throws -> (loss: Node, gradients: [(name: String, parameter: Node, gradient: Node)]) {
        // Inside a training step or `jit`, random leaves in f must stay fresh at every run.
        let value = try evaluatingSymbolically(repeatsExecution: applyContext?.repeatsExecution ?? false) {
            try f.call([ArgumentValue(label: nil, value: argument, span: span)], span)
        }
        try checkGraphErrors(span)
        guard isTensorLike(value), shapeOf(value).reduce(1, *) == 1 else {
            throw Diagnostic.error("grad needs a function returning one number, got \(describe(value))", at: span)
        }
        let loss = try node(value, span: span).reshaped([])
        // Each parameter under the name of the first model that holds it (a composed model's
        // parameters once, under the outer model's path when both are given).
        var named: [Node: String] = [:]
        for m in models { for p in m.model.parameters where named[p] == nil { named[p] = m.model.name(of: p) } }
        let parameters = models.flatMap { $0.model.parameters }.uniqued().filter { ($0.operation as? VariableOp)?.trainable == true }
        guard !parameters.isEmpty else {
            throw Diagnostic.error("\(models.map { "'\($0.name)'" }.joined(separator: ", ")) \(models.count == 1 ? "has" : "have") no trainable parameters", at: span)
        }
        let gradients = graph.gradients(of: loss, wrt: parameters)
        try checkGraphErrors(span)
        return (loss, zip(parameters, gradients).map { (named[$0] ?? "parameter", $0, $1) })
    }

    /// The gradients evaluated in Float64 with the current parameters (evaluation mode:
    /// no dropout, batch statistics from the running averages; no state is updated), as a
    /// record nested by the components of each checkpoint name.
    /// Inside a loss, `jit` or another `grad` (symbolic mode) the record holds the gradients
    /// as graph nodes, which the enclosing derivative differentiates again: a penalty on
    /// ‖∂f/∂θ‖² is trained through second derivatives in θ (double backprop, as
    /// `torch.autograd.grad(…, create_graph=True)`).
    func parameterGradients(_ f: Callable, argument: Value, models: [ModelValue], span: SourceSpan) throws -> Value {
        let (_, gradients) = try parameterGradientGraph(f, argument: argument, models: models, span: span)
        if mode == .symbolic {
            var root: [(String, Value)] = []
            for entry in gradients { insert(.node(entry.gradient), at: entry.name.split(separator: ".").map(String.init), into: &root) }
            return .record(root)
        }
        let values: [Tensor<Double>]
        if mode == .shapeOnly {
            values = gradients.map { Tensor.zeros($0.parameter.shape) }
        } else {
            variables.syncWithGraph()
            let store = VariableStore<Double>(converting: variables)
            values = graph.evaluate(gradients.map(\.gradient), as: Double.self, variables: store)
        }
        var root: [(String, Value)] = []
        for (entry, value) in zip(gradients, values) {
            insert(.tensor(value), at: entry.name.split(separator: ".").map(String.init), into: &root)
        }
        return .record(root)
    }

    /// Puts a value into nested records along a path ("mlp", "dense1", "weight").
    private func insert(_ value: Value, at path: [String], into fields: inout [(String, Value)]) {
        guard let head = path.first else { return }
        if path.count == 1 { fields.append((head, value)); return }
        var inner: [(String, Value)] = []
        let index = fields.firstIndex { $0.0 == head }
        if let index, case let .record(existing) = fields[index].1 { inner = existing }
        insert(value, at: Array(path.dropFirst()), into: &inner)
        if let index { fields[index].1 = .record(inner) } else { fields.append((head, .record(inner))) }
    }

    /// The models of `grad`'s second argument when it is a model or a list of models.
    func modelsToDifferentiate(_ v: Value) -> [ModelValue]? {
        switch v {
        case let .model(m): return [m]
        case let .list(items) where !items.isEmpty:
            let models = items.compactMap { if case let .model(m) = $0 { m } else { nil } }
            return models.count == items.count ? models : nil
        default: return nil
        }
    }
}
