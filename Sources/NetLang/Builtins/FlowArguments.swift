import Foundation
import NetLibrary
import NetRuntime

/// A call of a density built-in (`flow_nll`, `log_likelihood`, `logdet`, `bits_per_dim`):
/// the checked flow, its input (a graph node inside a loss, a tensor on data) and how to
/// evaluate it.
struct FlowCall {
    var model: ModelValue
    var flow: Flow
    var input: Value
    var request: FlowEvaluationRequest
}

extension Builtins {
    /// Reads model, x, method (series / roulette / exact), terms, probes (a count or given
    /// vectors), rademacher, gradient and precision; refuses non-flows and options that
    /// cannot apply together.
    static func flowArguments(_ args: inout Arguments, _ context: BuiltinContext) throws -> FlowCall {
        let m = try args.required("model", position: 0)
        guard case let .model(model) = m.value else { throw Diagnostic.error("\(args.function) needs a flow model first", at: m.span) }
        let flow = try context.checkedFlow(model, .density, function: args.function, span: m.span)
        let x = try args.required("x", position: 1)
        var input = x.value
        if case let .dataset(d) = input { input = .tensor(d.x) }
        let shapeText = "[N, \(model.model.inputShape.map(String.init).joined(separator: ", "))]"
        if case .node = input {} else {
            guard let t = context.tensorValue(input) else { throw Diagnostic.error("\(args.function) needs data or a batch", at: x.span) }
            guard Array(t.shape.dropFirst()) == model.model.inputShape else {
                throw Diagnostic.error("'\(model.name)' is a flow on \(shapeText); got data \(t.shape)", at: x.span)
            }
            input = .tensor(t)
        }
        let symbolic: Bool = if case .node = input { true } else { false }
        let method = try args.string("method", default: "series")
        let precisionName = try args.string("precision", default: method == "exact" ? "float64" : "float32")
        guard precisionName == "float32" || precisionName == "float64" else {
            throw Diagnostic.error("precision is \"float32\" or \"float64\", got \"\(precisionName)\"", at: args.value("precision")?.span ?? args.span)
        }
        if symbolic, args.value("precision") != nil {
            throw Diagnostic.error("precision applies to evaluation on data; a loss trains in Float32", at: args.value("precision")!.span)
        }
        if method == "exact" {
            for option in ["gradient", "terms", "probes", "rademacher"] {
                if let given = args.value(option) {
                    throw Diagnostic.error("\(option): applies to the series estimators, not to method: \"exact\" (the exact log-det has no probes or terms, and its gradient is the exact one)", at: given.span)
                }
            }
            if precisionName == "float32", !symbolic {
                throw Diagnostic.error("the exact log-det is the oracle and runs in Float64; drop precision: \"float32\"", at: args.value("precision")!.span)
            }
            return FlowCall(model: model, flow: flow, input: input, request: .init(settings: LogDetSettings(method: .exact), float64: !symbolic, probes: nil))
        }
        // A loss built on the series estimate is labelled so in the training summary.
        if symbolic, !flow.hasExactLogDet, let state = context.compilingFlowTraining, state.seriesEstimateOf == nil {
            state.seriesEstimateOf = model.name
        }
        let gradient = try gradientOption(&args)
        if gradient == .neumann, symbolic, let state = context.compilingFlowTraining, !state.notedNeumannSurrogate {
            state.notedNeumannSurrogate = true
            context.output("note: \(args.function)(gradient: \"neumann\"): the log-det's gradient comes from the surrogate uᵀJ_g·v (Neumann series), whose value is not the log-det; the loss shown is the series estimate, computed without a graph")
        }
        let (probeCount, givenProbes, probeNodes) = try probeOption(&args, context, flow: flow, input: input)
        var settings: LogDetSettings
        switch method {
        case "series":
            settings = LogDetSettings(method: .powerSeries(terms: try args.integer("terms", default: 5, minimum: 1)),
                                      probes: probeCount, rademacher: try args.boolean("rademacher", default: false), gradient: gradient)
        case "roulette":
            // Residual Flows' unbiased estimator: `terms` exact terms (default 2) plus K ~
            // geometric(p) or poisson(lambda) further ones.
            let exactTerms = try args.integer("terms", default: 2, minimum: 1)
            let distribution = try termDistribution(&args)
            settings = LogDetSettings(method: .russianRoulette(exactTerms: exactTerms, distribution: distribution),
                                      probes: probeCount, rademacher: try args.boolean("rademacher", default: false), gradient: gradient)
            if flow.hasExactLogDet {
                // No layer needs the series (coupling flows): the log-det is exact, so there
                // is nothing to draw and no per-K variants to compile.
            } else if symbolic {
                // Inside a train block: the step compiled for the K drawn this step.
                guard let state = context.compilingFlowTraining else {
                    throw Diagnostic.error("method: \"roulette\" inside a function draws its number of terms per training step; use it in a train block's loss", at: args.span)
                }
                if let seen = state.distribution, seen != distribution {
                    throw Diagnostic.error("one loss uses one roulette distribution; got \(seen) and \(distribution)", at: args.span)
                }
                state.distribution = distribution
                settings.extraTerms = state.extraTerms
            } else {
                settings.extraTerms = distribution.sample(&context.flowEvaluation.rouletteRandom)
            }
        default: throw Diagnostic.error("method is \"series\", \"roulette\" or \"exact\", got \"\(method)\"", at: args.span)
        }
        settings.probeVectors = probeNodes
        return FlowCall(model: model, flow: flow, input: input,
                        request: .init(settings: settings, float64: precisionName == "float64", probes: givenProbes))
    }

    /// preprocess: "none" | "logit" (alpha:, default 0.05) | "affine" (scale:, default 1).
    static func preprocessingOption(_ args: inout Arguments, position: Int?, required: Bool = false) throws -> DataPreprocessing {
        let name = try args.string("preprocess", position: position, default: required ? nil : "none")
        let span = args.value("preprocess", position: position)?.span ?? args.span
        switch name {
        case "none": return .none
        case "logit":
            let alpha = try args.number("alpha", default: 0.05)
            guard alpha > 0 && alpha < 0.5 else { throw Diagnostic.error("the logit pre-processing needs 0 < alpha < 0.5, got \(formatValue(alpha))", at: args.value("alpha")?.span ?? span) }
            return .logit(alpha: alpha)
        case "affine":
            let scale = try args.number("scale", default: 1)
            guard scale != 0, scale.isFinite else { throw Diagnostic.error("the affine pre-processing needs a finite scale ≠ 0", at: args.value("scale")?.span ?? span) }
            return .affine(scale: scale)
        default:
            throw Diagnostic.error("preprocess is \"none\", \"logit\" or \"affine\", got \"\(name)\"", at: span)
        }
    }

    static func gradientOption(_ args: inout Arguments) throws -> LogDetSettings.Gradient {
        let name = try args.string("gradient", default: "backprop")
        switch name {
        case "backprop": return .backpropagation
        case "neumann": return .neumann
        default: throw Diagnostic.error("gradient is \"backprop\" or \"neumann\", got \"\(name)\"", at: args.value("gradient")?.span ?? args.span)
        }
    }

    /// probes: a count of random probes (default 1), or given probe vectors — a tensor
    /// [P, N] + input shape (or [N] + input shape for one probe) — for an exactly
    /// reproducible estimate; in a loss, one probe per example of the batch (a node).
    static func probeOption(_ args: inout Arguments, _ context: BuiltinContext, flow: Flow, input: Value) throws -> (Int, Tensor<Double>?, [Node]?) {
        guard let given = args.value("probes") else { return (1, nil, nil) }
        if case .number = given.value {
            // P probes of the input's size are drawn at once: the 10⁸-value limit of `zeros`.
            let count = try args.integer("probes", minimum: 1)
            let size = max(1, context.shapeOf(input).reduce(1, *))
            guard count <= Builtins.maximumValues / size else {
                throw Diagnostic.error("\(count) probes of \(size) values hold more than 10⁸ values", at: given.span)
            }
            return (count, nil, nil)
        }
        if case let .node(xn) = input {
            // In a loss: one probe vector per example, travelling with the batch (e.g. the
            // y of `dataset(points, probes)`), so a data-parallel shard has its own probes.
            guard case let .node(p) = given.value, p.shape == xn.shape else {
                throw Diagnostic.error("in a loss, probes is a count (probes: 4) or one probe per example of the batch's shape \(xn.shape) (e.g. probes: y with dataset(points, probe_vectors)), got \(describe(given.value))", at: given.span)
            }
            if let block = flow.blockWithOtherInputSize() {
                throw Diagnostic.error("given probes have the flow's input size, but layer \(block.index) (\(block.path)) sees \(block.inputShape); give a count instead", at: given.span)
            }
            return (1, nil, [p])
        }
        guard case let .tensor(x) = input else {
            throw Diagnostic.error("given probe vectors are for evaluation on data; in a loss, give a count (probes: 4)", at: given.span)
        }
        guard var probes = context.tensorValue(given.value) else {
            throw Diagnostic.error("probes is a count or a tensor of probe vectors [P, N, …]", at: given.span)
        }
        if probes.shape == x.shape { probes = probes.reshaped([1] + x.shape) }
        guard probes.rank == x.rank + 1, Array(probes.shape.dropFirst()) == x.shape, probes.shape[0] >= 1 else {
            throw Diagnostic.error("probe vectors must have shape [P] + \(x.shape) (one per example, as x), got \(probes.shape)", at: given.span)
        }
        if let block = flow.blockWithOtherInputSize() {
            throw Diagnostic.error("given probes have the flow's input size, but layer \(block.index) (\(block.path)) sees \(block.inputShape); give a count instead", at: given.span)
        }
        return (probes.shape[0], probes, nil)
    }

    /// distribution: "geometric" (p:, default 0.5) or "poisson" (lambda:, default 2).
    static func termDistribution(_ args: inout Arguments) throws -> TermDistribution {
        let name = try args.string("distribution", default: "geometric")
        switch name {
        case "geometric":
            let p = try args.number("p", default: 0.5)
            guard p > 0.01 && p < 1 else { throw Diagnostic.error("the geometric distribution needs 0.01 < p < 1, got \(formatValue(p))", at: args.span) }
            return .geometric(p: p)
        case "poisson":
            let lambda = try args.number("lambda", default: 2)
            guard lambda > 0 && lambda <= 50 else { throw Diagnostic.error("the Poisson distribution needs 0 < lambda ≤ 50, got \(formatValue(lambda))", at: args.span) }
            return .poisson(lambda: lambda)
        default:
            throw Diagnostic.error("distribution is \"geometric\" or \"poisson\", got \"\(name)\"", at: args.span)
        }
    }

    /// How a fixed-point inverse stops (`inverse`, `metameric_sample`): `tolerance:` with
    /// `max_iterations:` (a cap with early stopping, default 100) or `iterations: n` (a fixed
    /// count; `converged` still means the last residual is within tolerance), not both.
    /// The most fixed-point iterations an inverse runs (each keeps its residual).
    static let maximumInverseIterations = 100_000

    static func inverseStopping(_ args: inout Arguments) throws -> FixedPointInverse<Float>.Stopping {
        let tolerance = try args.number("tolerance", default: 1e-6)
        guard tolerance > 0 else { throw Diagnostic.error("tolerance must be positive", at: args.span) }
        guard let n = try args.optionalInteger("iterations").map({ n -> Int in
            guard n <= maximumInverseIterations else {
                throw Diagnostic.error("\(args.function): 'iterations' is at most \(maximumInverseIterations), got \(n)", at: args.value("iterations")!.span)
            }
            return n
        }) else {
            return .init(maxIterations: try args.integer("max_iterations", default: 100, minimum: 1, maximum: maximumInverseIterations), tolerance: tolerance)
        }
        guard args.value("max_iterations") == nil else {
            throw Diagnostic.error("give iterations: (a fixed count) or max_iterations: (a cap with early stopping), not both", at: args.span)
        }
        return .init(maxIterations: max(1, n), tolerance: tolerance, stopsEarly: false)
    }
}
