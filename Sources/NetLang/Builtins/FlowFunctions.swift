import Foundation
import NetLibrary
import NetRuntime

/// Invertible networks and flows (thesis chapters 4 and 5): negative log-likelihood with a
/// power-series or exact log-determinant, bits per dimension, dequantisation, the
/// fixed-point inverse, sampling, and the post-training Lipschitz check.
extension Builtins {
    static var flowFunctions: [(String, Body)] {
        [
            ("flow_nll", { interp, args in
                // Mean −log p(x) in nats under a standard normal base (Lemma 5.2).
                let (model, input, settings) = try flowArguments(&args, interp)
                return try interp.flowNLL(model, input, settings, span: args.span)
            }),
            ("bits_per_dim", { interp, args in
                // (NLL + D·log L) / (D·log 2) for data quantised to L levels and dequantised
                // uniformly (Sec. 5.3).
                let (model, input, settings) = try flowArguments(&args, interp)
                let levels = try args.number("levels", default: 256)
                guard case let .tensor(x) = input else { throw Diagnostic.error("bits_per_dim evaluates data, not a loss", at: args.span) }
                let d = Double(model.model.inputShape.reduce(1, *))
                var rng = RandomGenerator(seed: interp.seed &+ 7)
                let u = Tensor<Double>.randomUniform(x.shape, rng: &rng)
                let y = Tensor(shape: x.shape, scalars: zip(x.scalars, u.scalars).map { ($0 * (levels - 1) + $1) / levels })
                guard case let .number(nll) = try interp.flowNLL(model, .tensor(y), settings, span: args.span) else { return .number(.nan) }
                return .number((nll + d * Foundation.log(levels)) / (d * Foundation.log(2)))
            }),
            ("dequantize", { interp, args in
                // (x·(L − 1) + u)/L with u ~ U[0, 1): x holds levels k/(L − 1), the result is
                // uniform within level k's bin of width 1/L; fresh noise every training step.
                let x = try args.required("x", position: 0)
                let levels = try args.number("levels", position: 1, default: 256)
                guard levels >= 2 else { throw Diagnostic.error("dequantize needs at least 2 levels", at: args.span) }
                if case let .node(n) = x.value {
                    return .node((n * (levels - 1) + n.graph.random(.uniform(low: 0, high: 1), shape: n.shape)) / levels)
                }
                guard let t = interp.tensorValue(x.value) else { throw Diagnostic.error("dequantize needs a tensor", at: x.span) }
                var rng = RandomGenerator(seed: interp.seed &+ 3)
                let u = Tensor<Double>.randomUniform(t.shape, rng: &rng)
                return .tensor(Tensor(shape: t.shape, scalars: zip(t.scalars, u.scalars).map { ($0 * (levels - 1) + $1) / levels }))
            }),
            ("inverse", { interp, args in
                // inverse(model, y, tolerance: 1e-6, max_iterations: 100) or iterations: n — Alg. 1.
                let first = try args.required("model", position: 0)
                if case let .model(m) = first.value {
                    let y = try args.required("y", position: 1)
                    guard let t = interp.tensorValue(y.value) else { throw Diagnostic.error("inverse needs outputs y", at: y.span) }
                    var stopping = FixedPointInverse<Float>.Stopping()
                    if let n = try args.optionalInteger("iterations") {
                        stopping = .init(maxIterations: max(1, n), tolerance: nil)
                    } else {
                        stopping = .init(maxIterations: try args.integer("max_iterations", default: 100, minimum: 1),
                                         tolerance: try args.number("tolerance", default: 1e-6))
                    }
                    return try interp.invert(m, t, stopping: stopping, span: y.span)
                }
                // inverse(matrix): the linear-algebra inverse.
                guard let a = interp.tensorValue(first.value), a.rank == 2 else {
                    throw Diagnostic.error("inverse needs a model and outputs, or a square matrix", at: first.span)
                }
                return .tensor(try dataError(args.span) { try NetRuntime.inverse(a) })
            }),
            ("sample", { interp, args in
                // x = F⁻¹(z) for z ~ N(0, I): samples of a flow.
                let m = try args.required("model", position: 0)
                guard case let .model(model) = m.value else { throw Diagnostic.error("sample needs a flow model", at: m.span) }
                let n = try args.integer("n", position: 1, minimum: 1)
                var rng = RandomGenerator(seed: UInt64(try args.integer("seed", default: Int(interp.seed % (1 << 62)))))
                let z = Tensor<Double>.randomNormal([n] + model.model.outputShape, std: try args.number("temperature", default: 1), rng: &rng)
                guard case let .record(fields) = try interp.invert(model, z, stopping: .init(maxIterations: 200, tolerance: 1e-5), span: args.span),
                      let x = fields.first(where: { $0.0 == "x" })?.1 else { return .none }
                return x
            }),
            ("check_lipschitz", { interp, args in
                // Remark 4.9: every constrained layer's norm, measured after training.
                let m = try args.required("model", position: 0)
                guard case let .model(model) = m.value else { throw Diagnostic.error("check_lipschitz needs a model", at: m.span) }
                if interp.checkOnly { return .boolean(true) }
                let (layers, blocks) = LipschitzVerification.verify(model.model, variables: interp.variables)
                var rows = layers.map { [$0.name, formatValue($0.coefficient), String(format: "%.4f", $0.norm), $0.withinCoefficient ? "ok" : "ABOVE c"] }
                if rows.isEmpty { rows = [["(no constrained layers)", "", "", ""]] }
                interp.output(TextTable.render(headers: ["layer", "c", "norm", ""], rows: rows))
                if !blocks.isEmpty {
                    interp.output(TextTable.render(headers: ["block", "Lip(g) ≤", "invertible"],
                                                   rows: blocks.map { ["\($0.index)", String(format: "%.4f", $0.bound), $0.invertible ? "yes" : "NO: bound ≥ 1"] }))
                }
                return .boolean(layers.allSatisfy(\.withinCoefficient) && blocks.allSatisfy(\.invertible))
            }),
            ("logdet_bounds", { interp, args in
                // Lemma 5.5 from the model's block bounds (coefficients of its constraints).
                let m = try args.required("model", position: 0)
                guard case let .model(model) = m.value else { throw Diagnostic.error("logdet_bounds needs a model", at: m.span) }
                let blocks = model.model.root.layers.compactMap { $0 as? Residual }
                let ls = blocks.compactMap(FixedPointInverse<Float>.lipschitzBound)
                guard ls.count == blocks.count, !ls.isEmpty else { throw Diagnostic.error("every residual block needs Lipschitz constraints", at: m.span) }
                let (lo, hi) = LogDetBounds.lemma55(dimension: model.model.inputShape.reduce(1, *), lipschitz: ls)
                return .record([("lower", .number(lo)), ("upper", .number(hi))])
            }),
            ("logdet_estimator_stats", { interp, args in
                // Fig. 5.3 from exact Jacobians: mean |bias| and standard deviation of the
                // one-probe n-term series estimate for each n in terms (no sampling noise).
                let m = try args.required("model", position: 0)
                guard case let .model(model) = m.value else { throw Diagnostic.error("logdet_estimator_stats needs a flow model", at: m.span) }
                let xArg = try args.required("x", position: 1)
                var value = xArg.value
                if case let .dataset(d) = value { value = .tensor(d.x) }
                guard let x = interp.tensorValue(value), Array(x.shape.dropFirst()) == model.model.inputShape else {
                    throw Diagnostic.error("logdet_estimator_stats needs points [N, \(model.model.inputShape.map(String.init).joined(separator: ", "))]", at: xArg.span)
                }
                let termsArg = try args.required("terms", position: 2)
                guard case let .list(items) = termsArg.value, !items.isEmpty else { throw Diagnostic.error("terms is a list of term counts, e.g. [1, 2, 5, 10]", at: termsArg.span) }
                let terms = try items.map { item -> Int in
                    guard case let .number(v) = item, v >= 1, v <= 200, v == v.rounded() else { throw Diagnostic.error("each term count is a whole number from 1 to 200", at: termsArg.span) }
                    return Int(v)
                }
                let rademacher = try args.boolean("rademacher", default: false)
                let d = model.model.inputShape.reduce(1, *)
                guard d <= 256, x.shape[0] <= 5000 else {
                    throw Diagnostic.error("logdet_estimator_stats forms d×d Jacobians: at most 256 dimensions and 5000 points (got \(d) and \(x.shape[0]))", at: args.span)
                }
                if interp.checkOnly { return .record([("terms", .list(items)), ("bias", .list(items)), ("std", .list(items))]) }
                let input = interp.graph.input("stats_x", shape: x.shape)
                let context = ApplyContext(training: false)
                context.collectsBlockJacobians = true
                _ = model.model.apply(input, context)
                guard !context.blockJacobians.isEmpty else { throw Diagnostic.error("'\(model.name)' has no residual blocks", at: m.span) }
                // Float64 throughout: the bias of many terms is far below float32 precision.
                let store = VariableStore<Double>(converting: interp.variables)
                let jacobians = interp.graph.evaluate(context.blockJacobians, as: Double.self, inputs: [input: x], variables: store)
                let rows = try dataError(args.span) {
                    try LogDetEstimatorStatistics.compute(jacobians: jacobians, terms: terms, rademacher: rademacher)
                }
                return .record([("terms", .list(rows.map { .number(Double($0.terms)) })),
                                ("bias", .list(rows.map { .number($0.meanAbsoluteBias) })),
                                ("std", .list(rows.map { .number($0.meanStandardDeviation) }))])
            }),
            ("series_error_bound", { _, args in
                // Thm 5.8: |PS(J, n) − log det(I + J)| ≤ −d (log(1 − L) + Σ_{k≤n} Lᵏ/k).
                .number(LogDetBounds.theorem58(dimension: try args.integer("d", position: 0, minimum: 1),
                                               lipschitz: try args.number("lipschitz", position: 1), terms: try args.integer("terms", position: 2, minimum: 1)))
            }),
        ]
    }

    /// (model, x as node or tensor, log-det settings) from flow_nll-style arguments.
    static func flowArguments(_ args: inout Arguments, _ interp: Interpreter) throws -> (ModelValue, Value, LogDetSettings) {
        let m = try args.required("model", position: 0)
        guard case let .model(model) = m.value else { throw Diagnostic.error("\(args.function) needs a flow model first", at: m.span) }
        guard model.model.outputShape.reduce(1, *) == model.model.inputShape.reduce(1, *) else {
            throw Diagnostic.error("'\(model.name)' maps \(model.model.inputShape) to \(model.model.outputShape); a flow keeps the number of values", at: m.span)
        }
        let x = try args.required("x", position: 1)
        var input = x.value
        if case let .dataset(d) = input { input = .tensor(d.x) }
        if case .node = input {} else {
            guard let t = interp.tensorValue(input) else { throw Diagnostic.error("\(args.function) needs data or a batch", at: x.span) }
            input = .tensor(t)
        }
        let method = try args.string("method", default: "series")
        let gradientName = try args.string("gradient", default: "backprop")
        let gradient: LogDetSettings.Gradient
        switch gradientName {
        case "backprop": gradient = .backpropagation
        case "neumann": gradient = .neumann
        default: throw Diagnostic.error("gradient is \"backprop\" or \"neumann\", got \"\(gradientName)\"", at: args.span)
        }
        if gradient == .neumann, case .node = input, !interp.notedNeumannSurrogate {
            interp.notedNeumannSurrogate = true
            interp.output("note: \(args.function)(gradient: \"neumann\"): the log-det's gradient comes from the surrogate uᵀJ_g·v (Neumann series), whose value is not the log-det; the loss shown is the series estimate, computed without a graph")
        }
        var settings: LogDetSettings
        switch method {
        case "series":
            settings = LogDetSettings(method: .powerSeries(terms: try args.integer("terms", default: 5, minimum: 1)),
                                      probes: try args.integer("probes", default: 1, minimum: 1),
                                      rademacher: try args.boolean("rademacher", default: false), gradient: gradient)
        case "roulette":
            // Residual Flows' unbiased estimator: `terms` exact terms (default 2) plus K ~
            // geometric(p) or poisson(lambda) further ones.
            let exactTerms = try args.integer("terms", default: 2, minimum: 1)
            let distribution = try termDistribution(&args)
            settings = LogDetSettings(method: .russianRoulette(exactTerms: exactTerms, distribution: distribution),
                                      probes: try args.integer("probes", default: 1, minimum: 1),
                                      rademacher: try args.boolean("rademacher", default: false), gradient: gradient)
            if case .node = input {
                // Inside a train block: the step compiled for the K drawn this step.
                if let seen = interp.rouletteDistribution, seen != distribution {
                    throw Diagnostic.error("one loss uses one roulette distribution; got \(seen) and \(distribution)", at: args.span)
                }
                interp.rouletteDistribution = distribution
                settings.extraTerms = interp.rouletteExtraTerms ?? 0
            } else {
                settings.extraTerms = distribution.sample(&interp.rouletteRandom)
            }
        case "exact":
            settings = LogDetSettings(method: .exact)
        default: throw Diagnostic.error("method is \"series\", \"roulette\" or \"exact\", got \"\(method)\"", at: args.span)
        }
        return (model, input, settings)
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
}

extension Interpreter {
    /// Mean NLL of a flow: ½‖z‖² + (D/2)·log 2π − Σ log-det terms.
    func flowNLL(_ m: ModelValue, _ input: Value, _ settings: LogDetSettings, span: SourceSpan) throws -> Value {
        let model = m.model
        func nll(_ x: Node, _ context: ApplyContext) -> Node {
            let saved = context.logDet
            context.logDet = settings
            let before = context.logDetTerms.count
            let z = model.apply(x, context)
            context.logDet = saved
            return -FlowDensity.logProbability(z: z, logDetTerms: Array(context.logDetTerms[before...])).mean()
        }
        if case let .node(x) = input {
            guard Array(x.shape.dropFirst()) == model.inputShape else {
                throw Diagnostic.error("'\(m.name)' expects [N, \(model.inputShape.map(String.init).joined(separator: ", "))], got \(x.shape)", at: span)
            }
            return .node(nll(x, symbolicContext ?? ApplyContext(training: false)))
        }
        guard case let .tensor(t) = input, Array(t.shape.dropFirst()) == model.inputShape else {
            throw Diagnostic.error("'\(m.name)' expects data [N, \(model.inputShape.map(String.init).joined(separator: ", "))]", at: span)
        }
        if checkOnly { return .number(.nan) }
        let logp = try logLikelihood(m, t, settings, span: span)
        return .number(-logp.scalars.reduce(0, +) / Double(max(logp.count, 1)))
    }

    /// The fixed-point inverse as a record: x, converged, per-block residuals and bounds,
    /// and the precision it was computed in.
    ///
    /// Float32 first. Its residual ‖x_{k+1} − x_k‖ stops falling at a floor set by rounding
    /// (about 1e-5 for a 2-D flow of 128-wide blocks), so a tolerance below that floor is
    /// never met: when the Float32 iteration does not reach the tolerance without
    /// diverging, the inverse is computed again in Float64 (weights copied from the
    /// Float32 store), whose floor is 10⁹ times lower.
    func invert(_ m: ModelValue, _ y: Tensor<Double>, stopping: FixedPointInverse<Float>.Stopping, span: SourceSpan) throws -> Value {
        guard Array(y.shape.dropFirst()) == m.model.outputShape else {
            throw Diagnostic.error("inverse of '\(m.name)' needs outputs [N, \(m.model.outputShape.map(String.init).joined(separator: ", "))], got \(y.shape)", at: span)
        }
        if checkOnly { return .record([("x", .tensor(.zeros([y.shape[0]] + m.model.inputShape))), ("converged", .boolean(true)), ("blocks", .list([])), ("precision", .string("float32"))]) }
        var inverse = inverses[ObjectIdentifier(m.model)] ?? FixedPointInverse(model: m.model, variables: variables)
        defer { inverses[ObjectIdentifier(m.model)] = inverse }
        var x: Tensor<Double>
        var blocks: [FixedPointInverse<Float>.BlockReport]
        var precision = "float32"
        do {
            let result = try inverse.invert(y.converted(), stopping: stopping)
            (x, blocks) = (result.x.converted(), result.blocks)
            if !result.converged, stopping.tolerance != nil, result.blocks.allSatisfy({ $0.converged || !$0.diverged }) {
                var precise = FixedPointInverse(model: m.model, variables: VariableStore<Double>(converting: variables))
                let again = try precise.invert(y, stopping: .init(maxIterations: stopping.maxIterations, tolerance: stopping.tolerance))
                (x, precision) = (again.x, "float64")
                blocks = again.blocks.map { b in
                    .init(index: b.index, residuals: b.residuals, converged: b.converged, lipschitzBound: b.lipschitzBound,
                          errorBound: b.errorBound, aPosterioriBound: b.aPosterioriBound)
                }
            }
        } catch {
            throw Diagnostic.error("\(error)", at: span)
        }
        func list(_ xs: [Double]) -> Value { .list(xs.map { .number($0) }) }
        let reports: [Value] = blocks.map { b in
            .record([("block", .number(Double(b.index))), ("iterations", .number(Double(b.residuals.count))),
                     ("converged", .boolean(b.converged)), ("residuals", list(b.residuals)),
                     ("lipschitz", b.lipschitzBound.map { .number($0) } ?? .none),
                     ("error_bound", b.errorBound.map { .number($0) } ?? .none),
                     ("a_posteriori_bound", b.aPosterioriBound.map { .number($0) } ?? .none)])
        }
        return .record([("x", .tensor(x)), ("converged", .boolean(blocks.allSatisfy(\.converged))), ("blocks", .list(reports)),
                        ("precision", .string(precision))])
    }
}
