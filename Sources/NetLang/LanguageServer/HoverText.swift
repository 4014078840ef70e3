/// What hovering over a name shows (Markdown): for a built-in its signature, summary and
/// example (the descriptions behind `:help` and docs/language.md §15a); for a layer its
/// signature and shape rule (LayerCatalog); for a model its summary table; for any other
/// value its type and shape as far as the check computed it; for a user function its
/// parameters.
enum HoverText {
    /// `path` is the chain under the cursor (`digits.train` → ["digits", "train"]), the
    /// hovered name last; `definition` the script's definition of its first name, if any.
    static func markdown(path: [String], definition: DocumentIndex.Definition?, session: Interpreter?) -> String? {
        guard let name = path.last else { return nil }
        if path.count == 1, definition == nil, let builtin = builtinText(name, session: session) { return builtin }
        if path.count == 1, definition == nil || definition?.kind == .block, LayerCatalog.description(of: name) != nil,
           session?.globals.lookup(name) == nil {
            return layerText(name)
        }
        if let session, let value = session.value(ofPath: path) { return valueText(path.joined(separator: "."), value, session) }
        // A model defined inside a loop body is not a global after the check, but the
        // session lists every model it built.
        if let session, path.count == 1, definition?.kind == .model, let m = session.models.last(where: { $0.name == name }) {
            return valueText(name, .model(m), session)
        }
        if let definition, path.count == 1 { return definitionText(definition) }
        return nil
    }

    static func builtinText(_ name: String, session: Interpreter?) -> String? {
        if let d = BuiltinDescriptions.byName[name] {
            var lines = ["```netlang", d.signature, "```", d.summary, "", "Gradients: \(d.differentiability.rawValue)."]
            if !d.parameters.isEmpty {
                lines.append("")
                for p in d.parameters {
                    let place = p.position.map { "position \($0 + 1) or named" } ?? "named only"
                    lines.append("- `\(p.name)`: \(p.type), \(place)" + (p.defaultValue.map { ", default `\($0)`" } ?? ", required"))
                }
            }
            lines += ["", "Example:", "```netlang", d.example, "```"]
            return lines.joined(separator: "\n")
        }
        if Builtins.all.contains(where: { $0.0 == name }) {
            return "```netlang\n\(name)(…)\n```\nbuilt-in function (not described yet: see docs/language.md)"
        }
        return nil
    }

    static func layerText(_ name: String) -> String? {
        guard let d = LayerCatalog.description(of: name) else { return nil }
        var lines = ["```netlang", "layer " + d.signature, "```", "Shape: \(d.shapeRule)."]
        if d.acceptsLipschitz { lines.append("Takes a `lipschitz(c: …)` constraint.") }
        lines += ["", "Example:", "```netlang", "model m(input: [8]) { \(layerExample(d)) }", "```"]
        return lines.joined(separator: "\n")
    }

    /// A use of the layer with its required arguments (the catalog has no example text).
    private static func layerExample(_ d: LayerDescription) -> String {
        let required = d.arguments.filter { $0.positional && $0.fallback == nil }
        guard !required.isEmpty else { return d.takesBody ? "\(d.name) { dense(8) }" : d.name }
        return "\(d.name)(\(required.map { _ in "4" }.joined(separator: ", ")))" + (d.takesBody ? " { dense(8) }" : "")
    }

    static func valueText(_ name: String, _ value: Value, _ session: Interpreter) -> String {
        switch value {
        case let .model(m): return "model `\(name)`\n```text\n\(m.model.summary())\n```"
        case let .function(f) where f.isBuiltin: return builtinText(f.name, session: session) ?? "built-in `\(f.name)`"
        // Evaluations give NaN in check mode: the number exists only when the script runs.
        case let .number(v) where v.isNaN: return "`\(name)`: number (computed when the script runs, not by the check)"
        case .number, .boolean, .string: return "`\(name)`: \(value.typeName) = \(session.display(value))"
        case .tensor, .node: return "`\(name)`: tensor of shape \(session.shapeDescription(value))"
        case .list: return "`\(name)`: " + session.shapeDescription(value)
        case .dataset:
            return "`\(name)`: " + session.shapeDescription(value) + "; members " + session.memberNames(of: value).map { "`\($0)`" }.joined(separator: ", ")
        case let .record(fields): return "`\(name)`: record with fields " + fields.map { "`\($0.0)`" }.joined(separator: ", ")
        default: return "`\(name)`: \(value.typeName)"
        }
    }

    static func definitionText(_ d: DocumentIndex.Definition) -> String {
        switch d.kind {
        case .function, .block:
            let parameters = d.children.filter { $0.kind == .parameter }.map(\.name).joined(separator: ", ")
            return "```netlang\n\(d.kind == .function ? "fn" : "block") \(d.name)(\(parameters))\n```"
        case .parameter: return "parameter `\(d.name)`"
        case .loopVariable: return "loop variable `\(d.name)`"
        default: return "\(d.kind.rawValue) `\(d.name)` (its value is not known: the check did not reach it)"
        }
    }
}
