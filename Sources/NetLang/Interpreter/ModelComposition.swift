import NetLibrary
import NetRuntime

/// A model used by name as a layer of another (`model clf(input: [64]) { feat dense(10) }`):
/// the layer is the model itself (`ComposedModel`), so its parameters are shared.
extension Interpreter {
    /// The layer for `name` when it names a model (nil: not a model, a built-in layer or
    /// unknown). A layer name of the catalog wins over a model of the same name, as it
    /// always did; an unknown name suggests models as well as layers.
    func composedModel(_ name: String, in env: Environment, arguments: [Argument], constraints: [Constraint],
                       enclosingConstraint: LipschitzConstraint?, nameSpan: SourceSpan, span: SourceSpan) throws -> Layer? {
        if LayerCatalog.description(of: name) != nil { return nil }
        if name == modelBeingBuilt {
            throw Diagnostic.error("model '\(name)' cannot use itself as a layer", at: nameSpan)
        }
        guard case let .model(inner)? = env.lookup(name) else {
            let models = env.allNames.filter { if case .model? = env.lookup($0) { true } else { false } }
            let hint = didYouMean(name, among: LayerCatalog.names + models)
            let what = env.lookup(name).map { "; '\(name)' is \(describe($0)), not a layer or a model" } ?? hint
            throw Diagnostic.error("unknown layer '\(name)'\(what)", at: nameSpan)
        }
        if !arguments.isEmpty {
            throw Diagnostic.error("'\(name)' is a model; used as a layer it takes no arguments: write just \(name)", at: span)
        }
        // A constraint would change the inner model's layers, which it shares with every
        // other use of it: constrain them where the model is defined.
        if let c = constraints.first {
            throw Diagnostic.error("lipschitz cannot constrain the model '\(name)' used as a layer; constrain its layers where '\(name)' is defined", at: c.span)
        }
        if enclosingConstraint != nil {
            throw Diagnostic.error("'\(name)' is a model inside a lipschitz { … } body; a constraint cannot reach into a composed model: constrain its layers where '\(name)' is defined", at: span)
        }
        let layer = ComposedModel(inner.model)
        layerSpans[ObjectIdentifier(layer)] = span
        return layer
    }

    /// The names of the models in `env` that use `inner` as a layer.
    func modelsUsing(_ inner: ModelValue, in env: Environment) -> [String] {
        env.allNames.sorted().filter { name in
            guard case let .model(m)? = env.lookup(name) else { return false }
            return m.model.composedModels.contains { $0 === inner.model }
        }
    }

    /// The models of this session that `m` uses as layers (directly or deeper).
    func composedModelValues(_ m: ModelValue) -> [ModelValue] {
        let inner = m.model.composedModels
        return models.filter { candidate in inner.contains { $0 === candidate.model } }
    }

    /// `model feat(…) { … }` again while another model uses the old `feat` as a layer: that
    /// model keeps the old one and its weights (as a PyTorch module keeps the object it was
    /// given), and shares nothing with the new one. Said as a warning; the definition goes on.
    func warnIfComposedElsewhere(_ definition: ModelDefinition, in env: Environment) {
        guard let warning, !checkOnly, case let .model(old)? = env.lookup(definition.name) else { return }
        let users = modelsUsing(old, in: env).map { "'\($0)'" }
        guard !users.isEmpty else { return }
        warning(Diagnostic(.warning, "this redefines '\(definition.name)', which \(users.joined(separator: ", ")) \(users.count == 1 ? "uses" : "use") as a layer: \(users.count == 1 ? "it keeps" : "they keep") the old '\(definition.name)' and its weights; the new '\(definition.name)' shares nothing with \(users.count == 1 ? "it" : "them")",
                           at: definition.nameSpan))
    }
}
