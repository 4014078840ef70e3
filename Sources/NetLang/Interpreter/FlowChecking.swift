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
            // Indices count the chain with composed models opened (`Sequential.openedLayers`).
            let chain = m.model.root.openedLayers
            let path = chain.indices.contains(violation.index - 1) ? chain[violation.index - 1].path : violation.layer.kind
            let what = requirement == .density ? "a flow" : "an invertible network"
            let message = "\(function) needs \(what); '\(m.name)' is not one: layer \(violation.index) (\(path)) — \(violation.reason.rawValue): \(violation.detail)"
            let at = layerSpans[ObjectIdentifier(violation.layer)]
                ?? (chain.indices.contains(violation.index - 1) ? layerSpans[ObjectIdentifier(chain[violation.index - 1].layer)] : nil)
            throw Diagnostic(.error, message, at: span, notes: at.map { [Diagnostic(.note, "the \(violation.layer.kind) is defined here", at: $0)] } ?? [])
        }
    }
}
