import Foundation
import NetLibrary
import NetRuntime

/// The Lipschitz side of invertible networks: the post-training check (Remark 4.9) and the
/// bounds that follow from Lip(g) — Lemma 5.5 and Thm 5.8 — all from the **measured**
/// constants (SVD or power iteration to convergence, Float64), printed next to the
/// nominal c. Part of `flowFunctions`.
extension Builtins {
    static var lipschitzFunctions: [(String, Body)] {
        [
            ("check_lipschitz", { context, args in
                // Every layer of every residual block: nominal bound, measured constant, the
                // training-time estimate; per block the measured Lip(g) and the verdict.
                let m = try args.required("model", position: 0)
                guard case let .model(model) = m.value else { throw Diagnostic.error("check_lipschitz needs a model", at: m.span) }
                let flow = try context.checkedFlow(model, .invertible, function: "check_lipschitz", span: m.span)
                if context.mode == .shapeOnly { return .record([("ok", .boolean(true)), ("layers", .list([])), ("blocks", .list([]))]) }
                let reports = LipschitzVerification.verify(flow, variables: context.variables)
                return lipschitzRecord(reports, flow: flow, context: context)
            }),
            ("logdet_bounds", { context, args in
                // Lemma 5.5 with the measured Lip(g) of every block (plus actnorm's exact terms).
                let m = try args.required("model", position: 0)
                guard case let .model(model) = m.value else { throw Diagnostic.error("logdet_bounds needs a model", at: m.span) }
                let flow = try context.checkedFlow(model, .density, function: "logdet_bounds", span: m.span)
                if context.mode == .shapeOnly { return .record([("lower", .number(0)), ("upper", .number(0)), ("lipschitz", .list([])), ("nominal", .list([]))]) }
                let store = context.flowEvaluation.float64Variables(context.variables)
                let (lower, upper) = flow.logDetBounds(store)
                let reports = flow.lipschitzReports(store).map(\.report)
                return .record([("lower", .number(lower)), ("upper", .number(upper)),
                                ("lipschitz", .list(reports.map { .number($0.measured) })),
                                ("nominal", .list(reports.map { $0.nominal.map { .number($0) } ?? .none }))])
            }),
            ("logdet_estimator_stats", { context, args in
                // Fig. 5.3 from exact Jacobians: mean |bias| and standard deviation of the
                // one-probe n-term series estimate for each n in terms (no sampling noise).
                let m = try args.required("model", position: 0)
                guard case let .model(model) = m.value else { throw Diagnostic.error("logdet_estimator_stats needs a flow model", at: m.span) }
                _ = try context.checkedFlow(model, .density, function: "logdet_estimator_stats", span: m.span)
                let xArg = try args.required("x", position: 1)
                var value = xArg.value
                if case let .dataset(d) = value { value = .tensor(d.x) }
                guard let x = context.tensorValue(value), Array(x.shape.dropFirst()) == model.model.inputShape else {
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
                if context.mode == .shapeOnly { return .record([("terms", .list(items)), ("bias", .list(items)), ("std", .list(items))]) }
                let input = context.graph.input("stats_x", shape: x.shape)
                let application = ApplyContext(training: false)
                application.collectsBlockJacobians = true
                _ = model.model.apply(input, application)
                guard !application.blockJacobians.isEmpty else { throw Diagnostic.error("'\(model.name)' has no residual blocks", at: m.span) }
                // Float64 throughout: the bias of many terms is far below float32 precision.
                let store = context.flowEvaluation.float64Variables(context.variables)
                let jacobians = context.graph.evaluate(application.blockJacobians, as: Double.self, inputs: [input: x], variables: store)
                let rows = try dataError(args.span) {
                    try LogDetEstimatorStatistics.compute(jacobians: jacobians, terms: terms, rademacher: rademacher)
                }
                return .record([("terms", .list(rows.map { .number(Double($0.terms)) })),
                                ("bias", .list(rows.map { .number($0.meanAbsoluteBias) })),
                                ("std", .list(rows.map { .number($0.meanStandardDeviation) }))])
            }),
            ("series_error_bound", { context, args in
                // Thm 5.8: |PS(J, n) − log det(I + J)| ≤ −d (log(1 − L) + Σ_{k≤n} Lᵏ/k); for a
                // flow, summed over its blocks with their measured L.
                let first = try args.required("d", position: 0)
                if case let .model(model) = first.value {
                    let flow = try context.checkedFlow(model, .density, function: "series_error_bound", span: first.span)
                    let n = try args.integer("terms", position: 1, minimum: 1)
                    if context.mode == .shapeOnly { return .record([("bound", .number(0)), ("lipschitz", .list([])), ("nominal", .list([]))]) }
                    let reports = flow.lipschitzReports(context.flowEvaluation.float64Variables(context.variables))
                    let bound = reports.map { LogDetBounds.theorem58(dimension: $0.entry.inputShape.reduce(1, *), lipschitz: $0.report.measured, terms: n) }.reduce(0, +)
                    return .record([("bound", .number(bound)), ("lipschitz", .list(reports.map { .number($0.report.measured) })),
                                    ("nominal", .list(reports.map { $0.report.nominal.map { .number($0) } ?? .none }))])
                }
                return .number(LogDetBounds.theorem58(dimension: try args.integer("d", position: 0, minimum: 1),
                                                      lipschitz: try args.number("lipschitz", position: 1), terms: try args.integer("terms", position: 2, minimum: 1)))
            }),
        ]
    }

    /// check_lipschitz's record and printed tables: per layer name, kind, c, the measured
    /// norm at full precision, the training-time estimate and ok; per block the nominal and
    /// measured Lip(g) and whether Thm. 4.1 applies.
    static func lipschitzRecord(_ reports: [LipschitzReport], flow: Flow, context: BuiltinContext) -> Value {
        var layerValues: [Value] = [], rows: [[String]] = []
        var allOK = true
        for report in reports {
            for row in report.rows {
                // Within c up to the power iteration's requested accuracy (and Float32 rounding).
                let allowance = 1e-6 + (constraintTolerance(of: row.name, in: flow) ?? 0)
                let ok = row.nominal.map { row.measured <= $0 * (1 + allowance) } ?? false
                allOK = allOK && ok
                layerValues.append(.record([("name", .string(row.name)), ("kind", .string(row.kind)),
                                            ("c", row.nominal.map { .number($0) } ?? .none), ("norm", .number(row.measured)),
                                            ("estimate", row.estimate.map { .number($0) } ?? .none), ("ok", .boolean(ok))]))
                rows.append([row.name, row.nominal.map(formatValue) ?? "none", String(format: "%.9f", row.measured),
                             row.estimate.map { String(format: "%.9f", $0) } ?? "", ok ? "ok" : (row.nominal == nil ? "UNBOUNDED" : "ABOVE c")])
            }
        }
        let blocks: [Value] = reports.map { r in
            .record([("name", .string(r.name)), ("nominal", r.nominal.map { .number($0) } ?? .none),
                     ("lipschitz", .number(r.measured)), ("invertible", .boolean(r.invertible))])
        }
        allOK = allOK && reports.allSatisfy(\.invertible)
        if rows.isEmpty { rows = [["(no residual blocks)", "", "", "", ""]] }
        context.output(TextTable.render(headers: ["layer", "c", "measured norm", "training estimate", ""], rows: rows))
        if !reports.isEmpty {
            context.output(TextTable.render(headers: ["block", "nominal Π c", "measured Lip(g) ≤", "invertible"], rows: reports.map {
                [$0.name, $0.nominal.map(formatValue) ?? "none", String(format: "%.9f", $0.measured), $0.invertible ? "yes" : "NO: measured bound ≥ 1"]
            }))
        }
        return .record([("ok", .boolean(allOK)), ("layers", .list(layerValues)), ("blocks", .list(blocks))])
    }

    /// The power-iteration tolerance of the constrained layer at `path`, if any.
    static func constraintTolerance(of path: String, in flow: Flow) -> Double? {
        for entry in flow.entries {
            guard let residual = entry.layer as? Residual else { continue }
            for opened in residual.body.openedLayers where entry.path + opened.path.dropFirst(residual.path.count) == path {
                return (opened.layer as? SpectrallyNormalized)?.constraint?.tolerance
            }
        }
        return nil
    }
}
