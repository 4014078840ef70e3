import Foundation
import NetLibrary
import NetRuntime

/// Built-ins for scripts that inspect themselves: wall time and a model's layers.
extension Builtins {
    static var scriptFunctions: [(String, Body)] {
        [
            ("clock", { _, _ in
                // Wall-clock time in seconds since 1970 (a Double with sub-millisecond
                // resolution): differences time parts of a script.
                .number(Date().timeIntervalSince1970)
            }),
            ("layers", { context, args in
                // layers(model): one record per layer, nested ones included, depth first.
                let m = try args.required("model", position: 0)
                guard case let .model(model) = m.value else {
                    throw Diagnostic.error("layers needs a model, got \(describe(m.value))", at: m.span)
                }
                return .list(model.model.namedLayers.map { layerRecord(name: $0.name, layer: $0.layer, model: model.model) })
            }),
            ("freeze", { context, args in try setFrozen(true, &args) }),
            ("unfreeze", { context, args in try setFrozen(false, &args) }),
        ]
    }

    /// freeze(model) / unfreeze(model): whether train blocks update the model's parameters
    /// (`Model.parametersToTrain`). A flag of the model, so it holds wherever the model is
    /// a layer; `grad(f, model)` still differentiates with respect to every parameter.
    private static func setFrozen(_ frozen: Bool, _ args: inout Arguments) throws -> Value {
        let m = try args.required("model", position: 0)
        guard case let .model(model) = m.value else {
            throw Diagnostic.error("\(frozen ? "freeze" : "unfreeze") needs a model, got \(describe(m.value))", at: m.span)
        }
        model.model.frozen = frozen
        return .none
    }

    /// {name, kind, details, parameters, c, init}: `parameters` is a record of the layer's
    /// own trainable parameters by leaf name (`weight`, `bias`), the same values as
    /// `model.<name>.<leaf>`; `c` is the Lipschitz coefficient (none without a constraint);
    /// `init` the initialisation scheme of weight layers (none for others).
    static func layerRecord(name: String, layer: Layer, model: Model) -> Value {
        let prefix = model.name + "." + name + "."
        let parameters: [(String, Value)] = layer.parameters.compactMap { p in
            let label = model.name(of: p)
            guard label.hasPrefix(prefix) else { return nil }
            return (String(label.dropFirst(prefix.count)), .node(p))
        }
        var constraint: LipschitzConstraint?
        var scheme: WeightInitialization?
        switch layer {
        case let d as Dense: constraint = d.constraint; scheme = d.initialization ?? model.initialization
        case let c as Convolution: constraint = c.constraint; scheme = c.initialization ?? model.initialization
        case let l as LocallyConnected: scheme = l.initialization ?? model.initialization
        default: break
        }
        return .record([("name", .string(name)), ("kind", .string(layer.kind)), ("details", .string(layer.details)),
                        ("parameters", .record(parameters)),
                        ("c", constraint.map { .number($0.coefficient) } ?? .none),
                        ("init", scheme.map { .string($0.rawValue) } ?? .none)])
    }
}
