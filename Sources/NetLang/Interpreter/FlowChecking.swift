import NetLibrary
import NetRuntime

/// The flow check seen from scripts: a built-in that needs an invertible network or a
/// flow builds a `Flow` from the model first and, if the model is not one, reports the
/// `FlowViolation` at the call with a note at the layer's definition.
extension Interpreter {
    func checkedFlow(_ m: ModelValue, _ requirement: FlowRequirement, function: String, span: SourceSpan) throws -> Flow {
        do {
            return try Flow(m.model, requirement: requirement)
        } catch let violation as FlowViolation {
            let root = m.model.root
            let path = root.paths.indices.contains(violation.index - 1) ? root.paths[violation.index - 1] : violation.layer.kind
            let what = requirement == .density ? "a flow" : "an invertible network"
            let message = "\(function) needs \(what); '\(m.name)' is not one: layer \(violation.index) (\(path)) — \(violation.reason.rawValue): \(violation.detail)"
            let at = layerSpans[ObjectIdentifier(violation.layer)] ?? layerSpans[ObjectIdentifier(root.layers[violation.index - 1])]
            throw Diagnostic(.error, message, at: span, notes: at.map { [Diagnostic(.note, "the \(violation.layer.kind) is defined here", at: $0)] } ?? [])
        }
    }
}
