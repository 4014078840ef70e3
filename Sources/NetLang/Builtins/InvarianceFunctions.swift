import Foundation
import NetLibrary
import NetRuntime

/// Thesis chapter 6 (excessive invariance): the adversarial-spheres data, an element-wise
/// comparison for attack budgets, the log-determinant of a flow next to its output (for the
/// MLE term of eq. 6.13), and metameric sampling with a bijective classifier (Def. 6.7, 6.8).
/// The attacks and the min-max loss themselves are written in NetLang (examples/ch6).
extension Builtins {
    static var invarianceFunctions: [(String, Body)] { sphereAndReadoutFunctions + panelFunctions }

    static var sphereAndReadoutFunctions: [(String, Body)] {
        [
            ("generate_spheres", { context, args in
                // Ex. 6.5: n points uniform on each of two concentric spheres in R^d; labels 0
                // (inner, radius `inner`) and 1 (outer); parts .inner and .outer.
                let n = try args.integer("n", position: 0, default: 1000, minimum: 1)
                let d = try args.integer("d", default: 500, minimum: 2)
                let r1 = try args.number("inner", default: 1), r2 = try args.number("outer", default: 1.3)
                guard r1 > 0, r2 > r1 else {
                    throw Diagnostic.error("generate_spheres needs radii 0 < inner < outer, got \(formatValue(r1)) and \(formatValue(r2))", at: args.span)
                }
                guard Double(2 * n) * Double(d) <= 5e7 else {
                    throw Diagnostic.error("generate_spheres: 2·\(n) points of \(d) dimensions exceed 5·10⁷ numbers", at: args.span)
                }
                let seed = UInt64(try args.integer("seed", default: 0, minimum: 0))
                // `netl check` evaluates the script's tensor arithmetic but trains nothing:
                // a few hundred points per sphere show every shape error at a fraction of the cost.
                let drawn = context.mode == .shapeOnly ? min(n, checkModeSpherePoints) : n
                let (x, y) = AdversarialSpheres.generate(perSphere: drawn, dimension: d, inner: r1, outer: r2, seed: seed)
                let data = Dataset(name: "spheres", x: x, y: y)
                data.parts = [("inner", data.subset(Array(0..<drawn), name: "spheres.inner")),
                              ("outer", data.subset(Array(drawn..<(2 * drawn)), name: "spheres.outer"))]
                return .dataset(data)
            }),
            ("greater", { context, args in
                // 1 where a > b, else 0, element-wise with broadcasting (not differentiable).
                let a = try args.required("a", position: 0), b = try args.required("b", position: 1)
                if case .node = a.value { throw notInLoss(args) }
                if case .node = b.value { throw notInLoss(args) }
                let difference = try context.tensorOperation([a.value, b.value], span: args.span) { $0[0] - $0[1] }
                switch difference {
                case let .number(v): return .number(v > 0 ? 1 : 0)
                case let .tensor(t): return .tensor(Tensor(shape: t.shape, scalars: t.scalars.map { $0 > 0 ? 1 : 0 }))
                default: throw Diagnostic.error("greater compares numbers or tensors", at: args.span)
                }
            }),
            ("forward_logdet", { context, args in
                // {z, logdet}: the flow's output and log|det J_F(x)| per example (the power
                // series of chapter 5, or exact), from one forward pass: the MLE term of eq. 6.13.
                // Refuses models that are not flows (the flow check): layers that are not
                // invertible add no log-det term, so their log-det would silently leave them out.
                let call = try flowArguments(&args, context)
                return try context.forwardLogDet(call.model, call.input, call.request.settings, span: args.span)
            }),
            ("metameric_sample", { context, args in
                // Def. 6.8: x_met = F⁻¹(z_s(x), z_n(x̃)) by the fixed-point inverse; with mix: t
                // the nuisances are (1 − t)·z_n(x) + t·z_n(x̃) (Fig. 6.5's rows).
                let m = try args.required("model", position: 0)
                guard case let .model(model) = m.value else { throw Diagnostic.error("metameric_sample needs a bijective classifier (a flow model) first", at: m.span) }
                _ = try context.checkedFlow(model, .density, function: "metameric_sample", span: m.span)
                let x = try tensorArgument(&args, "x", position: 1, context, shape: model.model.inputShape)
                let reference = try tensorArgument(&args, "reference", position: 2, context, shape: model.model.inputShape)
                guard x.shape[0] == reference.shape[0] else {
                    throw Diagnostic.error("x has \(x.shape[0]) examples but reference has \(reference.shape[0]); pair them one to one", at: args.span)
                }
                let d = model.model.inputShape.reduce(1, *)
                let classesArg = args.value("classes", position: 3)
                let classes = try args.integer("classes", position: 3, default: 10)
                if let problem = BijectiveClassifier.readoutProblem(classes: classes, dimension: d) {
                    throw Diagnostic.error(problem, at: classesArg?.span ?? args.span)
                }
                let mix = try args.number("mix", default: 1)
                guard mix >= 0 && mix <= 1 else { throw Diagnostic.error("mix is between 0 and 1, got \(formatValue(mix))", at: args.span) }
                let stopping = try inverseStopping(&args)
                return try context.metamericSample(model, x, reference, classes: classes, mix: mix, stopping: stopping, span: args.span)
            }),
        ]
    }

    /// Points per sphere that generate_spheres draws under `netl check`.
    static let checkModeSpherePoints = 20

    static func notInLoss(_ args: Arguments) -> Diagnostic {
        Diagnostic.error("\(args.function) is not differentiable; use it on values, outside a loss or a differentiated function", at: args.span)
    }

    /// A batch [N] + shape (a data set's x, a tensor, or one example of the shape).
    static func tensorArgument(_ args: inout Arguments, _ name: String, position: Int, _ context: BuiltinContext, shape: [Int]) throws -> Tensor<Double> {
        let a = try args.required(name, position: position)
        var value = a.value
        if case let .dataset(d) = value { value = .tensor(d.x) }
        guard let t = context.tensorValue(value) else { throw Diagnostic.error("\(name) must be a tensor [N, \(shape.map(String.init).joined(separator: ", "))]", at: a.span) }
        if t.shape == shape { return t.reshaped([1] + shape) }
        guard Array(t.shape.dropFirst()) == shape, t.shape[0] >= 1 else {
            throw Diagnostic.error("\(name) must have shape [N, \(shape.map(String.init).joined(separator: ", "))], got \(t.shape)", at: a.span)
        }
        return t
    }
}

extension BuiltinContext {
    /// z = F(x) and the per-example log-determinant Σ_t log|det J_t(x)| of one forward pass.
    func forwardLogDet(_ m: ModelValue, _ input: Value, _ settings: LogDetSettings, span: SourceSpan) throws -> Value {
        let model = m.model
        func build(_ x: Node, _ application: ApplyContext) -> (Node, Node) {
            let saved = application.logDet
            application.logDet = settings
            let before = application.logDetTerms.count
            let z = model.apply(x, application)
            application.logDet = saved
            var logDet = x.graph.constant(Tensor<Double>.zeros([x.shape[0]]))
            for t in application.logDetTerms[before...] { logDet = logDet + t }
            return (z, logDet)
        }
        func checkShape(_ shape: [Int]) throws {
            guard Array(shape.dropFirst()) == model.inputShape else {
                throw Diagnostic.error("'\(m.name)' expects [N, \(model.inputShape.map(String.init).joined(separator: ", "))], got \(shape)", at: span)
            }
        }
        if case let .node(x) = input {
            try checkShape(x.shape)
            let (z, logDet) = build(x, applyContext ?? ApplyContext(training: false))
            return .record([("z", .node(z)), ("logdet", .node(logDet))])
        }
        guard case let .tensor(t) = input else { throw Diagnostic.error("forward_logdet needs data or a batch", at: span) }
        try checkShape(t.shape)
        if mode == .shapeOnly {
            return .record([("z", .tensor(.zeros([t.shape[0]] + model.outputShape))), ("logdet", .tensor(.zeros([t.shape[0]])))])
        }
        let x = graph.input("logdet_x", shape: t.shape)
        let (z, logDet) = build(x, ApplyContext(training: false))
        let store = VariableStore<Double>(converting: variables)
        let values = graph.evaluate([z, logDet], as: Double.self, inputs: [x: t], variables: store)
        return .record([("z", .tensor(values[0])), ("logdet", .tensor(values[1]))])
    }

    /// Def. 6.8 through the fixed-point inverse, with the push-forward check: the record's
    /// `forward_error` is max_i ‖F(x_met,i) − target_i‖₂ and `error_bound` its bound from the
    /// inverse's last residuals (`BijectiveClassifier.forwardErrorBound`).
    func metamericSample(_ m: ModelValue, _ x: Tensor<Double>, _ reference: Tensor<Double>, classes: Int, mix: Double,
                         stopping: FixedPointInverse<Float>.Stopping, span: SourceSpan) throws -> Value {
        let model = m.model
        let n = x.shape[0], d = model.inputShape.reduce(1, *)
        if mode == .shapeOnly {
            return .record([("x", .tensor(.zeros(x.shape))), ("target", .tensor(.zeros([n, d]))), ("converged", .boolean(true)),
                            ("blocks", .list([])), ("forward_error", .number(0)), ("error_bound", .number(0))])
        }
        let plan = inference(model)
        let z = plan.predict(x).reshaped([n, d]), zRef = plan.predict(reference).reshaped([n, d])
        let target = BijectiveClassifier.metamericTarget(z: z, reference: zRef, classes: classes, mix: mix)
        var inverse = flowEvaluation.inverses[ObjectIdentifier(model)] ?? FixedPointInverse(model: model, variables: variables)
        defer { flowEvaluation.inverses[ObjectIdentifier(model)] = inverse }
        let result: FixedPointInverse<Float>.Result
        do { result = try inverse.invert(target.reshaped([n] + model.outputShape).converted(), stopping: stopping) } catch {
            throw Diagnostic.error("\(error)", at: span)
        }
        let xMet: Tensor<Double> = result.x.converted()
        // Push forward again and measure how far F(x_met) lands from the target.
        let pushed = plan.predict(xMet).reshaped([n, d])
        var worst = 0.0
        for i in 0..<n {
            var s = 0.0
            for j in 0..<d { let e = pushed.scalars[i * d + j] - target.scalars[i * d + j]; s += e * e }
            let error = s.squareRoot()
            if error.replacesMaximum(worst) { worst = error }   // a NaN error is reported, not skipped
        }
        let bound = BijectiveClassifier.forwardErrorBound(model: model, variables: variables, blocks: result.blocks)
        let blocks: [Value] = result.blocks.map { b in
            .record([("block", .number(Double(b.index))), ("iterations", .number(Double(b.residuals.count))),
                     ("converged", .boolean(b.converged)), ("residual", .number(b.residuals.last ?? 0)),
                     ("lipschitz", b.lipschitzBound.map { .number($0) } ?? .none)])
        }
        return .record([("x", .tensor(xMet)), ("target", .tensor(target)), ("converged", .boolean(result.converged)),
                        ("blocks", .list(blocks)), ("forward_error", .number(worst)),
                        ("error_bound", bound.map { .number($0) } ?? .none)])
    }
}

extension Builtins {
    /// save_panels("fig.png", [[series…], [series…]], titles: […], x_label:, y_label:, log_y:):
    /// several line charts side by side in one PNG (Fig. 6.3 has two panels).
    static var panelFunctions: [(String, Body)] {
        [
            ("save_panels", { context, args in
                let (path, format) = try chartFile(&args)
                guard format == .png else { throw Diagnostic.error("save_panels writes a .png file, not '\(path)'", at: args.span) }
                let panels = try args.required("panels", position: 1)
                guard case let .list(lists) = panels.value, !lists.isEmpty else {
                    throw Diagnostic.error("save_panels needs a list of panels, each a list of series(…)", at: panels.span)
                }
                var titles: [String] = []
                if let t = args.value("titles") {
                    guard case let .list(items) = t.value, items.count == lists.count else {
                        throw Diagnostic.error("titles needs one title per panel (\(lists.count))", at: t.span)
                    }
                    titles = items.map { context.display($0) }
                }
                let xLabel = try args.string("x_label", default: ""), yLabel = try args.string("y_label", default: "")
                let logY = try args.boolean("log_y", default: false)
                let charts = try lists.enumerated().map { i, list -> Chart in
                    var chart = Chart(title: context.pictureTitle(titles.isEmpty ? "" : titles[i]), xLabel: xLabel, yLabel: yLabel, logY: logY)
                    chart.series = try chartSeries(list, context, span: panels.span)
                    return chart
                }
                if context.mode == .shapeOnly { return .none }
                try write(context, args) { try ChartPanels.image(charts).writePNG(to: context.outputPath(path)) }
                context.output("wrote \(context.writtenName(path))")
                return .none
            }),
        ]
    }
}
