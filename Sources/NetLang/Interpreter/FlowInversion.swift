import NetLibrary
import NetRuntime

/// `inverse` and `sample` seen from scripts: the fixed-point inverse of a model (planned
/// once per model in the `FlowEvaluationCache`) as a record.
extension Interpreter {
    /// The inverse as a record: x, converged, per block its method ("analytic": a coupling
    /// layer or 1×1 convolution, exact in closed form; "fixed point": a residual block with
    /// its residuals and bounds), and the precision it was computed in.
    ///
    /// Float32 first. Its residual ‖x_{k+1} − x_k‖ stops falling at a floor set by rounding
    /// (about 1e-5 for a 2-D flow of 128-wide blocks), so a tolerance below that floor is
    /// never met: when the Float32 iteration, stopping early at the tolerance, does not
    /// reach it without diverging, the inverse is computed again in Float64 (weights copied
    /// from the Float32 store), whose floor is 10⁹ times lower. A fixed count
    /// (`iterations:`, `stopsEarly` false) stays in Float32.
    func invert(_ m: ModelValue, _ y: Tensor<Double>, stopping: FixedPointInverse<Float>.Stopping, span: SourceSpan) throws -> Value {
        guard Array(y.shape.dropFirst()) == m.model.outputShape else {
            throw Diagnostic.error("inverse of '\(m.name)' needs outputs [N, \(m.model.outputShape.map(String.init).joined(separator: ", "))], got \(y.shape)", at: span)
        }
        if topLevelMode == .shapeOnly {
            return .record([("x", .tensor(.zeros([y.shape[0]] + m.model.inputShape))), ("converged", .boolean(true)), ("blocks", .list([])),
                            ("precision", .string("float32"))])
        }
        let key = ObjectIdentifier(m.model)
        var inverse = flowEvaluation.inverses[key] ?? FixedPointInverse(model: m.model, variables: variables)
        defer { flowEvaluation.inverses[key] = inverse }
        var x: Tensor<Double>
        var blocks: [FixedPointInverse<Float>.BlockReport]
        var precision = "float32"
        do {
            let result = try inverse.invert(y.converted(), stopping: stopping)
            (x, blocks) = (result.x.converted(), result.blocks)
            if !result.converged, stopping.stopsEarly, !Interruption.isRequested,
               result.blocks.allSatisfy({ $0.converged || !$0.diverged }) {
                var precise = FixedPointInverse<Double>(model: m.model, variables: VariableStore<Double>(converting: variables))
                let again = try precise.invert(y, stopping: .init(maxIterations: stopping.maxIterations, tolerance: stopping.tolerance,
                                                                  stopsEarly: stopping.stopsEarly))
                (x, precision) = (again.x, "float64")
                blocks = again.blocks.map { b in
                    .init(index: b.index, name: b.name, residuals: b.residuals, converged: b.converged, nominalLipschitz: b.nominalLipschitz,
                          lipschitzBound: b.lipschitzBound, errorBound: b.errorBound, aPosterioriBound: b.aPosterioriBound, analytic: b.analytic)
                }
            }
        } catch {
            throw Diagnostic.error("\(error)", at: span)
        }
        func list(_ xs: [Double]) -> Value { .list(xs.map { .number($0) }) }
        func optional(_ x: Double?) -> Value { x.map { .number($0) } ?? .none }
        let reports: [Value] = blocks.map { b in
            .record([("block", .number(Double(b.index))), ("name", .string(b.name)),
                     ("method", .string(b.analytic ? FlowCapabilities.Inverse.analytic.rawValue : FlowCapabilities.Inverse.fixedPoint.rawValue)),
                     ("iterations", .number(Double(b.residuals.count))),
                     ("converged", .boolean(b.converged)), ("residual", optional(b.residuals.last)), ("residuals", list(b.residuals)),
                     ("lipschitz", optional(b.lipschitzBound)), ("lipschitz_nominal", optional(b.nominalLipschitz)),
                     ("error_bound", optional(b.errorBound)), ("a_posteriori_bound", optional(b.aPosterioriBound))])
        }
        return .record([("x", .tensor(x)), ("converged", .boolean(blocks.allSatisfy(\.converged))), ("blocks", .list(reports)),
                        ("precision", .string(precision))])
    }
}
