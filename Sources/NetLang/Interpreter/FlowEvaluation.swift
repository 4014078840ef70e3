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

/// A planned evaluation of log p(x) and Σ log|det J| per example, for one flow, request
/// and batch size; its random stream gives fresh probes at every run unless probes are given.
final class FlowDensityPlan<T: NetScalar> {
    let model: Model
    let executor: Executor<T>
    let input: Node
    let probes: [Node]
    let logp: Node, logDet: Node

    init(_ model: Model, settings: LogDetSettings, probeCount: Int, batch: Int, variables: VariableStore<T>, seed: UInt64) {
        self.model = model
        let graph = model.graph
        input = graph.input("flow_x", shape: [batch] + model.inputShape)
        probes = (0..<probeCount).map { graph.input("flow_probe\($0)", shape: [batch] + model.inputShape) }
        var settings = settings
        if probeCount > 0 { settings.probeVectors = probes }
        let context = ApplyContext(training: false, logDet: settings)
        let z = model.apply(input, context)
        logp = FlowDensity.logProbability(z: z, logDetTerms: context.logDetTerms)
        logDet = context.logDetTerms.dropFirst().reduce(context.logDetTerms.first ?? graph.constant(.zeros([batch])), +)
        executor = Executor<T>(graph: graph, outputs: [logp, logDet], variables: variables, seed: seed)
    }

    /// Examples start..<start + size of x (and of each given probe).
    func run(_ x: Tensor<Double>, probes given: Tensor<Double>?, start: Int, size: Int) -> (logp: [Double], logDet: [Double]) {
        let n = x.shape[0], width = x.count / Swift.max(n, 1)
        let p = executor.inputPointer(input)
        for i in 0..<(size * width) { p[i] = T(x.scalars[start * width + i]) }
        if let given {
            for (k, node) in probes.enumerated() {
                let q = executor.inputPointer(node), offset = (k * n + start) * width
                for i in 0..<(size * width) { q[i] = T(given.scalars[offset + i]) }
            }
        }
        executor.run()
        let lp = executor.pointer(logp), ld = executor.pointer(logDet)
        return ((0..<size).map { Double(lp[$0]) }, (0..<size).map { Double(ld[$0]) })
    }
}

/// The interpreter's planned flow evaluations and inverses, and the random streams of
/// evaluations — kept apart from the model-initialisation seeds, so evaluating never
/// changes how later models are initialised.
final class FlowEvaluationCache {
    var plans32: [String: FlowDensityPlan<Float>] = [:]
    var plans64: [String: FlowDensityPlan<Double>] = [:]
    var inverses: [ObjectIdentifier: FixedPointInverse] = [:]
    /// Draws K for Russian-roulette evaluations outside training (one draw per call).
    var rouletteRandom = RandomGenerator(seed: 0x5EED_4011)
    /// Numbers the random streams of evaluation plans.
    var planCounter: UInt64 = 0
    /// A Float64 copy of the session's variables, refreshed before each Float64 evaluation.
    private var store64: VariableStore<Double>?

    func float64Variables(_ variables: VariableStore<Float>) -> VariableStore<Double> {
        let store = store64 ?? VariableStore<Double>(variables.graph)
        store64 = store
        store.syncWithGraph()
        for v in variables.graph.variables {
            let source = variables.buffer(v), target = store.buffer(v)
            for i in 0..<Swift.min(source.count, target.count) { target[i] = Double(source[i]) }
        }
        return store
    }
}

extension Interpreter {
    /// log p(x) and Σ log|det J| per example under a checked flow, in chunks of 1000.
    func flowDensity(_ flow: Flow, _ x: Tensor<Double>, _ request: FlowEvaluationRequest) -> (logp: [Double], logDet: [Double]) {
        let model = flow.model
        let n = x.shape[0]
        if checkOnly { return (Array(repeating: 0, count: n), Array(repeating: 0, count: n)) }
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
        if case let .node(x) = input {
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
