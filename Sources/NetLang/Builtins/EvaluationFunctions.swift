import NetLibrary
import NetRuntime

/// Metrics, predictions, tables and parameter assignment.
extension Builtins {
    static var evaluationFunctions: [(String, Body)] {
        [
            ("accuracy", { context, args in
                // accuracy(model, data), or accuracy(scores [N, C], labels [N]).
                if let first = args.value("model", position: 0), !(first.value.isModel) {
                    let labels = try args.required("data", position: 1)
                    guard let scores = context.tensorValue(first.value), scores.rank == 2,
                          let y = context.tensorValue(labels.value), y.shape == [scores.shape[0]] else {
                        throw Diagnostic.error("accuracy needs a model and data, or scores [N, classes] and labels [N]", at: args.span)
                    }
                    guard scores.shape[0] > 0 else { throw Diagnostic.error("accuracy of no examples (the scores have 0 rows)", at: first.span) }
                    try checkLabels(y.scalars, classes: scores.shape[1], data: "the labels", span: labels.span)
                    return .number(Metrics.accuracy(scores, y))
                }
                let (m, d) = try modelAndData(&args)
                if context.mode == .shapeOnly { return .number(.nan) }
                return .number(Metrics.accuracy(context.inference(m.model).predict(d.x), d.y!))
            }),
            ("balanced_accuracy", { context, args in
                // balanced_accuracy(model, data), or balanced_accuracy(predicted, labels) with
                // predicted classes [N] (or scores [N, classes]) and labels [N].
                if let first = args.value("model", position: 0), !(first.value.isModel) {
                    let labels = try args.required("data", position: 1)
                    guard let p = context.tensorValue(first.value), p.rank == 1 || p.rank == 2,
                          let y = context.tensorValue(labels.value), y.shape == [p.shape[0]] else {
                        throw Diagnostic.error("balanced_accuracy needs a model and data, or predicted classes [N] (or scores [N, classes]) and labels [N]", at: args.span)
                    }
                    guard p.shape[0] > 0 else { throw Diagnostic.error("balanced_accuracy of no examples", at: first.span) }
                    // Labels are classes (whole numbers in range); a NaN score or prediction
                    // makes the result NaN, as accuracy's (an all-NaN model scored 0.333).
                    try checkLabels(y.scalars, classes: p.rank == 2 ? p.shape[1] : Int(Dataset.largestClassLabel) + 1, data: "the labels", span: labels.span)
                    guard !p.scalars.contains(where: \.isNaN) else { return .number(.nan) }
                    let predicted = p.rank == 2 ? Metrics.predictedClasses(p) : p.scalars.map { exactInt($0) ?? -1 }
                    return .number(Metrics.balancedAccuracy(predicted: predicted, labels: y.scalars.map { exactInt($0)! }))
                }
                let (m, d) = try modelAndData(&args)
                if context.mode == .shapeOnly { return .number(.nan) }
                let scores = context.inference(m.model).predict(d.x)
                guard !scores.scalars.contains(where: \.isNaN) else { return .number(.nan) }
                let predicted = Metrics.predictedClasses(scores)
                return .number(Metrics.balancedAccuracy(predicted: predicted, labels: d.y!.scalars.map { exactInt($0) ?? -1 }))
            }),
            ("predict", { context, args in
                let m = try args.required("model", position: 0)
                guard case let .model(model) = m.value else { throw Diagnostic.error("predict needs a model", at: m.span) }
                let x = try args.required("x", position: 1)
                let input: Value = if case let .dataset(d) = x.value { .tensor(d.x) } else { x.value }
                if let precision = args.value("precision") {
                    // predict(m, x, precision: "float64"): the model in Float64, for checks.
                    switch try args.string("precision") {
                    case "float64": return try context.applyModelInFloat64(model, input, span: x.span)
                    case "float32": break
                    case let other: throw Diagnostic.error("precision is \"float32\" or \"float64\", got \"\(other)\"", at: precision.span)
                    }
                }
                return try context.applyModel(model, input, span: x.span)
            }),
            ("parameter_count", { _, args in
                let m = try args.required("model", position: 0)
                guard case let .model(model) = m.value else { throw Diagnostic.error("parameter_count needs a model", at: m.span) }
                return .number(Double(model.model.parameterCount))
            }),
            ("summary", { context, args in
                let m = try args.required("model", position: 0)
                guard case let .model(model) = m.value else { throw Diagnostic.error("summary needs a model", at: m.span) }
                return .string(model.model.summary())
            }),
            ("assign", { context, args in
                // assign(model.dense1.weight, load_npy("w.npy"))
                let target = try args.required("parameter", position: 0), value = try args.required("value", position: 1)
                guard case let .node(p) = target.value, p.operation is VariableOp else {
                    throw Diagnostic.error("assign needs a model parameter such as mlp.dense1.weight", at: target.span)
                }
                guard let t = context.tensorValue(value.value) else { throw Diagnostic.error("assign needs a tensor value", at: value.span) }
                guard t.shape == p.shape else {
                    throw Diagnostic.error("\((p.operation as! VariableOp).label) has shape \(p.shape), the value has \(t.shape)", at: value.span)
                }
                context.variables.assign(p, t.converted())
                // A constrained weight acts within c from now on, not after the next step.
                for m in context.models { m.model.refreshSpectralNorms(context.variables, weights: [p]) }
                return .none
            }),
            ("table", { context, args in
                // table(["model", "accuracy"], [["mlp", 0.97], …]): a formatted text table.
                let h = try args.required("headers", position: 0), r = try args.required("rows", position: 1)
                guard case let .list(headers) = h.value, case let .list(rows) = r.value else {
                    throw Diagnostic.error("table needs a list of headers and a list of rows", at: args.span)
                }
                let cells = try rows.map { row -> [String] in
                    guard case let .list(items) = row, items.count == headers.count else {
                        throw Diagnostic.error("every row needs \(headers.count) values", at: r.span)
                    }
                    return items.map(context.display)
                }
                return .string(TextTable.render(headers: headers.map(context.display), rows: cells))
            }),
        ]
    }

    static func modelAndData(_ args: inout Arguments) throws -> (ModelValue, Dataset) {
        let m = try args.required("model", position: 0), d = try args.required("data", position: 1)
        guard case let .model(model) = m.value else { throw Diagnostic.error("\(args.function) needs a model first, got \(describe(m.value))", at: m.span) }
        guard case let .dataset(data) = d.value, data.hasLabels else {
            throw Diagnostic.error("\(args.function) needs a data set with class labels, got \(describe(d.value))", at: d.span)
        }
        guard data.count > 0 else { throw Diagnostic.error("\(args.function): the data set '\(data.name)' is empty", at: d.span) }
        guard data.exampleShape == model.model.inputShape else {
            throw Diagnostic.error("model '\(model.name)' takes [\(model.model.inputShape.map(String.init).joined(separator: ", "))], the data has \(data.exampleShape)", at: d.span)
        }
        guard model.model.outputShape.count == 1 else {
            throw Diagnostic.error("\(args.function) needs a classifier with outputs [classes], '\(model.name)' gives \(model.model.outputShape)", at: m.span)
        }
        try checkLabels(data.y!.scalars, classes: model.model.outputShape[0], data: "data set '\(data.name)'", span: d.span)
        return (model, data)
    }

    /// Class labels must be whole numbers 0..<classes: a label outside would index a score
    /// that does not exist (and make a cross-entropy nan or an accuracy silently wrong).
    static func checkLabels(_ labels: [Double], classes: Int, data: String, span: SourceSpan) throws {
        for (row, v) in labels.enumerated() {
            guard let k = exactInt(v), k >= 0, k < classes else {
                throw Diagnostic.error("\(data), row \(row): label \(formatValue(v)) is not a class 0…\(classes - 1)", at: span)
            }
        }
    }
}

enum Evaluation {
    /// Mean softmax cross-entropy of a classifier over a labelled data set.
    static func meanCrossEntropy(_ context: BuiltinContext, _ m: ModelValue, _ d: Dataset, span: SourceSpan) throws -> Double {
        guard d.hasLabels, d.exampleShape == m.model.inputShape else { throw Diagnostic.error("cross_entropy(model, data) needs matching labelled data", at: span) }
        guard d.count > 0 else { throw Diagnostic.error("cross_entropy: the data set '\(d.name)' is empty", at: span) }
        guard m.model.outputShape.count == 1 else { throw Diagnostic.error("cross_entropy(model, data) needs a classifier with outputs [classes]", at: span) }
        try Builtins.checkLabels(d.y!.scalars, classes: m.model.outputShape[0], data: "data set '\(d.name)'", span: span)
        if context.mode == .shapeOnly { return .nan }
        let logits = context.inference(m.model).predict(d.x)
        let c = logits.count / d.count
        var total = 0.0
        for i in 0..<d.count {
            let row = logits.scalars[(i * c)..<((i + 1) * c)]
            let mx = row.max()!
            let lse = mx + Foundation.log(row.map { Foundation.exp($0 - mx) }.reduce(0, +))
            guard let label = exactInt(d.y!.scalars[i]), label >= 0, label < c else {
                throw Diagnostic.error("label \(formatValue(d.y!.scalars[i])) of example \(i) is not a class of '\(m.name)' (0…\(c - 1))", at: span)
            }
            total += lse - row[i * c + label]
        }
        return total / Double(d.count)
    }
}

/// Plain-text tables with aligned columns (numbers right-aligned).
enum TextTable {
    static func render(headers: [String], rows: [[String]]) -> String {
        let widths = headers.indices.map { c in ([headers[c]] + rows.map { $0[c] }).map(\.count).max() ?? 0 }
        func isNumber(_ s: String) -> Bool { Double(s) != nil || s == "nan" }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { c, s in
                let pad = String(repeating: " ", count: widths[c] - s.count)
                return isNumber(s) ? pad + s : s + pad
            }.joined(separator: "  ")
        }
        let rule = widths.map { String(repeating: "─", count: $0) }.joined(separator: "  ")
        return ([line(headers), rule] + rows.map(line)).joined(separator: "\n")
    }
}
import Foundation

extension Value {
    var isModel: Bool { if case .model = self { true } else { false } }
}
