import NetLibrary
import NetRuntime

/// How a flow is evaluated on data: the log-det method, the precision, and optionally
/// given Hutchinson probes [P, N] + input shape (then the estimate is reproducible).
struct FlowEvaluationRequest {
    var settings: LogDetSettings
    /// Float64 on request (`precision: "float64"`) and always for the exact log-det, the
    /// oracle the estimators are checked against.
    var float64: Bool
    var probes: Tensor<Double>?
}

extension Interpreter {
    /// log p(x) and Σ log|det J| per example under a checked flow, in chunks of 1000.
    func flowDensity(_ flow: Flow, _ x: Tensor<Double>, _ request: FlowEvaluationRequest) -> (logp: [Double], logDet: [Double]) {
        let model = flow.model
        let n = x.shape[0]
        if topLevelMode == .shapeOnly { return (Array(repeating: 0, count: n), Array(repeating: 0, count: n)) }
        let s = request.settings
        let probeCount = request.probes?.shape[0] ?? 0
        var logp: [Double] = [], logDet: [Double] = []
        var start = 0
        let store64 = request.float64 ? flowEvaluation.float64Variables(variables) : nil
        while start < n {
            let size = Swift.min(1000, n - start)
            let key = "\(ObjectIdentifier(model).hashValue)|\(s.method)|\(s.probes)|\(s.rademacher)|\(s.extraTerms)|\(probeCount)|\(size)"
            let part: (logp: [Double], logDet: [Double])
            if let store64 {
                if flowEvaluation.plans64[key]?.model !== model {
                    flowEvaluation.planCounter += 1
                    flowEvaluation.plans64[key] = FlowDensityPlan<Double>(model, settings: s, probeCount: probeCount, batch: size,
                                                                          variables: store64, seed: seed &+ 7919 &* flowEvaluation.planCounter)
                }
                part = flowEvaluation.plans64[key]!.run(x, probes: request.probes, start: start, size: size)
            } else {
                if flowEvaluation.plans32[key]?.model !== model {
                    flowEvaluation.planCounter += 1
                    flowEvaluation.plans32[key] = FlowDensityPlan<Float>(model, settings: s, probeCount: probeCount, batch: size,
                                                                         variables: variables, seed: seed &+ 7919 &* flowEvaluation.planCounter)
                }
                part = flowEvaluation.plans32[key]!.run(x, probes: request.probes, start: start, size: size)
            }
            logp += part.logp
            logDet += part.logDet
            start += size
        }
        return (logp, logDet)
    }

    /// Mean NLL of a flow: ½‖z‖² + (D/2)·log 2π − Σ log-det terms; a graph node inside a
    /// loss, a number on data.
    func flowNLL(_ flow: Flow, name: String, _ input: Value, _ request: FlowEvaluationRequest, span: SourceSpan) throws -> Value {
        let model = flow.model
        if isSymbolic {   // a loss, or grad with respect to x or to the parameters
            let x = try node(input, span: span)
            guard Array(x.shape.dropFirst()) == model.inputShape else {
                throw Diagnostic.error("'\(name)' expects [N, \(model.inputShape.map(String.init).joined(separator: ", "))], got \(x.shape)", at: span)
            }
            let context = symbolicContext ?? ApplyContext(training: false)
            let saved = context.logDet
            context.logDet = request.settings
            let before = context.logDetTerms.count
            let z = model.apply(x, context)
            context.logDet = saved
            return .node(-FlowDensity.logProbability(z: z, logDetTerms: Array(context.logDetTerms[before...])).mean())
        }
        guard case let .tensor(t) = input else { throw Diagnostic.error("flow_nll evaluates data or a batch", at: span) }
        let logp = flowDensity(flow, t, request).logp
        return .number(-logp.reduce(0, +) / Double(Swift.max(logp.count, 1)))
    }
}
