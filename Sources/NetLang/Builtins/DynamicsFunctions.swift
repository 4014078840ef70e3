import Foundation
import NetLibrary
import NetRuntime

/// Fig. 4.1: the continuous dynamics x + t·(f(x) − x) of a ResNet's layers on 2-D points,
/// with the pairs of paths that meet (`ResidualDynamics`), as values (`dynamics`) and as a
/// picture of several networks side by side (`save_dynamics`). Part of `flowFunctions`.
extension Builtins {
    static var dynamicsFunctions: [(String, Body)] {
        [
            ("dynamics", { context, args in
                // dynamics(model, x, steps: 10, tolerance: 0.05) → {paths, meetings, pairs}
                let m = try args.required("model", position: 0)
                guard case let .model(model) = m.value else { throw Diagnostic.error("dynamics needs a model", at: m.span) }
                let x = try dynamicsPoints(try args.required("x", position: 1), model: model.model, context)
                let (steps, tolerance) = try dynamicsOptions(&args)
                if context.mode == .shapeOnly { return .record([("paths", .tensor(.zeros([0]))), ("meetings", .list([])), ("pairs", .number(0))]) }
                let dynamics = try traceDynamics(model.model, x: x, steps: steps, context, span: m.span)
                return dynamicsRecord(dynamics, meetings: dynamics.meetings(tolerance: tolerance))
            }),
            ("save_dynamics", { context, args in
                // save_dynamics("fig.png", [resnet, iresnet], x, titles: [...], steps:, tolerance:)
                let path = try args.string("file", position: 0)
                guard path.lowercased().hasSuffix(".png") else {
                    throw Diagnostic.error("save_dynamics writes a PNG picture; name the file '….png', not '\(path)'", at: args.value("file", position: 0)?.span ?? args.span)
                }
                let list = try args.required("models", position: 1)
                guard case let .list(items) = list.value, !items.isEmpty, items.count <= 4 else {
                    throw Diagnostic.error("save_dynamics needs a list of one to four models", at: list.span)
                }
                let models = try items.map { item -> NetLibrary.Model in
                    guard case let .model(model) = item else { throw Diagnostic.error("save_dynamics needs a list of models", at: list.span) }
                    return model.model
                }
                let x = try dynamicsPoints(try args.required("x", position: 2), model: models[0], context)
                for model in models.dropFirst() where model.inputShape != models[0].inputShape {
                    throw Diagnostic.error("the models have different input shapes", at: list.span)
                }
                var titles = models.map(\.name)
                if let t = args.value("titles") {
                    guard case let .list(names) = t.value, names.count == models.count else {
                        throw Diagnostic.error("titles needs one title per model (\(models.count))", at: t.span)
                    }
                    titles = names.map { context.display($0) }
                }
                let (steps, tolerance) = try dynamicsOptions(&args)
                if context.mode == .shapeOnly { return .list(models.map { _ in .record([("meetings", .list([])), ("pairs", .number(0))]) }) }
                var panels: [DynamicsPicture.Panel] = []
                for (model, title) in zip(models, titles) {
                    let dynamics = try traceDynamics(model, x: x, steps: steps, context, span: list.span)
                    panels.append(.init(title: context.pictureTitle(title), dynamics: dynamics, meetings: dynamics.meetings(tolerance: tolerance)))
                }
                try write(context, args) { try DynamicsPicture(panels: panels).image().writePNG(to: context.outputPath(path)) }
                context.output("wrote \(context.writtenName(path))")
                return .list(panels.map { dynamicsRecord($0.dynamics, meetings: $0.meetings, withPaths: false) })
            }),
        ]
    }

    /// Points [N, 2] (or a data set's) of the model's input size, at most 2,000 of them
    /// (the meetings compare every pair).
    static func dynamicsPoints(_ argument: ArgumentValue, model: NetLibrary.Model, _ context: BuiltinContext) throws -> Tensor<Double> {
        var value = argument.value
        if case let .dataset(d) = value { value = .tensor(d.x) }
        guard let x = context.tensorValue(value), x.rank == 2, [x.shape[1]] == model.inputShape else {
            throw Diagnostic.error("the dynamics need points [N, \(model.inputShape.map(String.init).joined(separator: ", "))] of the model's input shape", at: argument.span)
        }
        guard x.shape[0] >= 1, x.shape[0] <= 2000 else {
            throw Diagnostic.error("the dynamics compare every pair of paths: 1 to 2,000 points, not \(x.shape[0])", at: argument.span)
        }
        return x
    }

    static func dynamicsOptions(_ args: inout Arguments) throws -> (steps: Int, tolerance: Double) {
        let steps = try args.integer("steps", default: 10, minimum: 1)
        guard steps <= 1000 else { throw Diagnostic.error("steps is at most 1000 per layer", at: args.value("steps")?.span ?? args.span) }
        let tolerance = try args.number("tolerance", default: 0.05)
        guard tolerance > 0, tolerance < 1 else {
            throw Diagnostic.error("tolerance is a fraction of the starting distance, between 0 and 1", at: args.value("tolerance")?.span ?? args.span)
        }
        return (steps, tolerance)
    }

    static func traceDynamics(_ model: NetLibrary.Model, x: Tensor<Double>, steps: Int, _ context: BuiltinContext, span: SourceSpan) throws -> ResidualDynamics {
        try dataError(span) {
            try ResidualDynamics.trace(model, x: x, steps: steps, variables: context.flowEvaluation.float64Variables(context.variables))
        }
    }

    /// {paths [N, layers·steps + 1, D], meetings: [{a, b, layer, t, ratio}] (the first 100,
    /// layer by layer, closest first), pairs (how many pairs meet in some layer)}.
    static func dynamicsRecord(_ d: ResidualDynamics, meetings: [ResidualDynamics.Meeting], withPaths: Bool = true) -> Value {
        var fields: [(String, Value)] = []
        if withPaths {
            let paths = d.paths
            let length = paths.first?.count ?? 0, dims = paths.first?.first?.count ?? 0
            fields.append(("paths", .tensor(Tensor(shape: [paths.count, length, dims], scalars: paths.flatMap { $0.flatMap { $0 } }))))
        }
        fields.append(("meetings", .list(meetings.prefix(100).map { m in
            .record([("a", .number(Double(m.a))), ("b", .number(Double(m.b))), ("layer", .string(d.layers[m.layer])),
                     ("t", .number(m.t)), ("ratio", .number(m.ratio))])
        })))
        fields.append(("pairs", .number(Double(Set(meetings.map { [$0.a, $0.b] }).count))))
        return .record(fields)
    }
}
