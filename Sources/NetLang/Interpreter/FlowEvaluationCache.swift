import NetLibrary
import NetRuntime

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
    var inverses: [ObjectIdentifier: FixedPointInverse<Float>] = [:]
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
