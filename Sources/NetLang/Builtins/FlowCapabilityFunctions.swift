import NetLibrary
import NetRuntime

/// What a flow can promise, asked of the model (its layers' `FlowCapabilities`) and of the
/// log-det settings a density built-in would use. Part of `flowFunctions`.
extension Builtins {
    static var flowCapabilityFunctions: [(String, Body)] {
        [
            ("flow_capabilities", { context, args in
                // flow_capabilities(model, method: "series") — a record: exact_log_likelihood,
                // analytic_inverse, volume_preserving, density, unbiased (for that method) and
                // one record per layer (name, kind, inverse, log_det).
                let m = try args.required("model", position: 0)
                guard case let .model(model) = m.value else { throw Diagnostic.error("flow_capabilities needs a flow model", at: m.span) }
                let flow = try context.checkedFlow(model, .invertible, function: "flow_capabilities", span: m.span)
                let method = try args.string("method", default: "series")
                guard ["series", "roulette", "exact"].contains(method) else {
                    throw Diagnostic.error("method is \"series\", \"roulette\" or \"exact\", got \"\(method)\"", at: args.value("method")?.span ?? args.span)
                }
                let density = flow.entries.allSatisfy { $0.layer.capabilities.logDet != .none }
                // The log-likelihood estimate is unbiased when no layer needs a series, or
                // the series is the Russian roulette (or replaced by the exact Jacobian).
                let unbiased = density && (flow.hasExactLogDet || method != "series")
                let layers: [Value] = flow.entries.map { e in
                    let c = e.layer.capabilities
                    return .record([("name", .string(e.path)), ("kind", .string(e.layer.kind)),
                                    ("inverse", .string(c.inverse.rawValue)), ("log_det", .string(c.logDet.rawValue))])
                }
                return .record([("exact_log_likelihood", .boolean(density && flow.hasExactLogDet)),
                                ("analytic_inverse", .boolean(flow.hasAnalyticInverse)),
                                ("volume_preserving", .boolean(density && flow.isVolumePreserving)),
                                ("density", .boolean(density)), ("unbiased", .boolean(unbiased)),
                                ("layers", .list(layers))])
            }),
        ]
    }
}
