import NetLibrary
import NetRuntime

/// `inverse` and `sample` seen from scripts: the fixed-point inverse of a model (planned
/// once per model in the `FlowEvaluationCache`) as a record.
extension Interpreter {
    /// The fixed-point inverse as a record: x, converged, per-block residuals and bounds.
    func invert(_ m: ModelValue, _ y: Tensor<Double>, stopping: FixedPointInverse.Stopping, span: SourceSpan) throws -> Value {
        guard Array(y.shape.dropFirst()) == m.model.outputShape else {
            throw Diagnostic.error("inverse of '\(m.name)' needs outputs [N, \(m.model.outputShape.map(String.init).joined(separator: ", "))], got \(y.shape)", at: span)
        }
        if checkOnly { return .record([("x", .tensor(.zeros([y.shape[0]] + m.model.inputShape))), ("converged", .boolean(true)), ("blocks", .list([]))]) }
        let key = ObjectIdentifier(m.model)
        var inverse = flowEvaluation.inverses[key] ?? FixedPointInverse(model: m.model, variables: variables)
        defer { flowEvaluation.inverses[key] = inverse }
        let result: FixedPointInverse.Result
        do { result = try inverse.invert(y.converted(), stopping: stopping) } catch {
            throw Diagnostic.error("\(error)", at: span)
        }
        func list(_ xs: [Double]) -> Value { .list(xs.map { .number($0) }) }
        func optional(_ x: Double?) -> Value { x.map { .number($0) } ?? .none }
        let blocks: [Value] = result.blocks.map { b in
            .record([("block", .number(Double(b.index))), ("name", .string(b.name)), ("iterations", .number(Double(b.residuals.count))),
                     ("converged", .boolean(b.converged)), ("residual", optional(b.residuals.last)), ("residuals", list(b.residuals)),
                     ("lipschitz", optional(b.lipschitzBound)), ("lipschitz_nominal", optional(b.nominalLipschitz)),
                     ("error_bound", optional(b.errorBound)), ("a_posteriori_bound", optional(b.aPosterioriBound))])
        }
        return .record([("x", .tensor(result.x.converted())), ("converged", .boolean(result.converged)), ("blocks", .list(blocks))])
    }
}
