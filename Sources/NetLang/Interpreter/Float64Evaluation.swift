import NetLibrary
import NetRuntime

extension Interpreter {
    /// A model applied to data in Float64 with a Float64 copy of its current parameters
    /// (`predict(m, x, precision: "float64")`): for checks that Float32 rounding would blur.
    func applyModelInFloat64(_ m: ModelValue, _ input: Value, span: SourceSpan) throws -> Value {
        let model = m.model
        guard let t = tensorValue(input), Array(t.shape.dropFirst()) == model.inputShape else {
            throw Diagnostic.error("model '\(m.name)' expects inputs [N, \(model.inputShape.map(String.init).joined(separator: ", "))]", at: span)
        }
        if topLevelMode == .shapeOnly { return .tensor(.zeros([t.shape[0]] + model.outputShape)) }
        let x = graph.input("predict64_x", shape: t.shape)
        let y = model.apply(x, ApplyContext(training: false))
        let store = flowEvaluation.float64Variables(variables)
        return .tensor(graph.evaluate([y], as: Double.self, inputs: [x: t], variables: store)[0])
    }
}
