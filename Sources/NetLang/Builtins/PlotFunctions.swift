import Foundation
import NetLibrary
import NetRuntime

/// Pictures: PNG heat-maps of flow densities, scatter plots of samples, image grids, and
/// charts (lines with bands, box plots) as PNG or SVG. Files are written atomically next to the
/// script (relative paths resolve against its folder).
extension Builtins {
    static var plotFunctions: [(String, Body)] {
        [
            ("log_likelihood", { interp, args in
                // log p(x) per example [N] under a flow with a standard normal base.
                let (model, input, settings) = try flowArguments(&args, interp)
                guard case let .tensor(x) = input else { throw Diagnostic.error("log_likelihood evaluates data", at: args.span) }
                return .tensor(try interp.logLikelihood(model, x, settings, span: args.span))
            }),
            ("save_density", { interp, args in
                // save_density(flow, "density.png", range: 4, grid: 100): p(x) on a grid over
                // [−range, range]² (2-D flows), exact log-determinant by default.
                let m = try args.required("model", position: 0)
                guard case let .model(model) = m.value, model.model.inputShape == [2] else {
                    throw Diagnostic.error("save_density needs a flow on 2-D points", at: m.span)
                }
                let path = try pngFile(&args)
                let range = try args.number("range", default: 4)
                let n = try args.integer("grid", default: 100, minimum: 2)
                guard n <= 1000 else { throw Diagnostic.error("grid is at most 1000", at: args.span) }
                let method = try args.string("method", default: "exact")
                let settings = method == "exact" ? LogDetSettings(method: .exact) : LogDetSettings(method: .powerSeries(terms: try args.integer("terms", default: 10, minimum: 1)))
                if interp.checkOnly { return .none }
                var points: [Double] = []
                for r in 0..<n { for c in 0..<n {
                    points += [-range + 2 * range * (Double(c) + 0.5) / Double(n), range - 2 * range * (Double(r) + 0.5) / Double(n)]
                } }
                let logp = try interp.logLikelihood(model, Tensor(shape: [n * n, 2], scalars: points), settings, span: args.span)
                let density = (0..<n).map { r in (0..<n).map { c in Foundation.exp(logp.scalars[r * n + c]) } }
                try write(args.span) { try Pictures.heatmap(density, scale: max(1, 400 / n)).writePNG(to: interp.resolve(path)) }
                interp.output("wrote \(path)")
                return .none
            }),
            ("save_scatter", { interp, args in
                let x = try args.required("points", position: 0)
                let path = try pngFile(&args)
                let range = try args.number("range", default: 4)
                var value = x.value
                if case let .dataset(d) = value { value = .tensor(d.x) }
                guard let t = interp.tensorValue(value), t.rank == 2, t.shape[1] == 2 else {
                    throw Diagnostic.error("save_scatter needs points [N, 2]", at: x.span)
                }
                if interp.checkOnly { return .none }
                try write(args.span) { try Pictures.scatter(t, range: range).writePNG(to: interp.resolve(path)) }
                interp.output("wrote \(path)")
                return .none
            }),
            ("save_images", { interp, args in
                // save_images(x, "samples.png", shape: [8, 8], columns: 10): grey-scale tiles.
                let x = try args.required("images", position: 0)
                let path = try pngFile(&args)
                let shape = try args.shape("shape", position: 2)
                let columns = try args.integer("columns", default: 10, minimum: 1)
                guard shape.count == 2, let t = interp.tensorValue(x.value), t.count % (shape[0] * shape[1]) == 0 else {
                    throw Diagnostic.error("save_images needs images whose size is a multiple of \(shape)", at: x.span)
                }
                // At most as many columns as images, and a picture of at most 5·10⁷ pixels
                // (the grid scales each image pixel to 4×4).
                let n = t.count / (shape[0] * shape[1])
                let used = min(columns, max(n, 1)), rows = (n + used - 1) / used
                let pixels = Double(used * (shape[1] * 4 + 1) + 1) * Double(rows * (shape[0] * 4 + 1) + 1)
                guard pixels <= 5e7 else {
                    throw Diagnostic.error("save_images: the picture would have \(formatValue(pixels)) pixels, more than 5·10⁷", at: args.span)
                }
                if interp.checkOnly { return .none }
                let images = t.reshaped([n] + shape)
                try write(args.span) { try Pictures.grid(images, columns: used).writePNG(to: interp.resolve(path)) }
                interp.output("wrote \(path)")
                return .none
            }),
            ("series", { interp, args in
                // A named line for save_chart: series("c = 0.9", x, y, band: std).
                let label = try args.string("label", position: 0)
                let x = try args.required("x", position: 1), y = try args.required("y", position: 2)
                var fields: [(String, Value)] = [("label", .string(label)), ("x", x.value), ("y", y.value)]
                if let b = args.value("band", position: 3) { fields.append(("band", b.value)) }
                return .record(fields)
            }),
            ("save_chart", { interp, args in
                // save_chart("bias.png", [series(…), …], title:, x_label:, y_label:, log_y:):
                // a PNG or an SVG file, by the name's extension.
                let (path, format) = try chartFile(&args)
                let list = try args.required("series", position: 1)
                var chart = Chart(title: try args.string("title", default: ""), xLabel: try args.string("x_label", default: ""),
                                  yLabel: try args.string("y_label", default: ""), logY: try args.boolean("log_y", default: false))
                guard case let .list(items) = list.value else { throw Diagnostic.error("save_chart needs a list of series(…)", at: list.span) }
                for item in items {
                    guard case let .record(fields) = item else { throw Diagnostic.error("each entry is a series(label, x, y)", at: list.span) }
                    func numbers(_ name: String) -> [Double]? {
                        fields.first { $0.0 == name }.flatMap { interp.tensorValue($0.1)?.scalars }
                    }
                    guard case let .string(label)? = fields.first(where: { $0.0 == "label" })?.1, let x = numbers("x"), let y = numbers("y"), x.count == y.count else {
                        throw Diagnostic.error("a series needs a label and x, y of equal length", at: list.span)
                    }
                    chart.series.append(.init(label: label, x: x, y: y, band: numbers("band")))
                }
                if interp.checkOnly { return .none }
                try write(args.span) {
                    switch format {
                    case .svg: try writeAtomically(chart.svg(), to: interp.resolve(path))
                    case .png: try chart.image().writePNG(to: interp.resolve(path))
                    }
                }
                interp.output("wrote \(path)")
                return .none
            }),
            ("save_boxplot", { interp, args in
                // save_boxplot("folds.png", ["a", "b"], [[…], […]], title:, y_label:): PNG or SVG.
                let (path, format) = try chartFile(&args)
                let labels = try args.required("labels", position: 1), values = try args.required("values", position: 2)
                guard case let .list(ls) = labels.value, case let .list(vs) = values.value, ls.count == vs.count else {
                    throw Diagnostic.error("save_boxplot needs as many labels as lists of values", at: args.span)
                }
                let groups: [(label: String, values: [Double])] = zip(ls, vs).map { (interp.display($0), interp.tensorValue($1)?.scalars ?? []) }
                let title = try args.string("title", default: ""), yLabel = try args.string("y_label", default: "")
                if interp.checkOnly { return .none }
                let plot = BoxPlot(title: title, yLabel: yLabel, groups: groups)
                try write(args.span) {
                    switch format {
                    case .svg: try writeAtomically(plot.svg(), to: interp.resolve(path))
                    case .png: try plot.image().writePNG(to: interp.resolve(path))
                    }
                }
                interp.output("wrote \(path)")
                return .none
            }),
        ]
    }

    /// The file argument of save_density / save_scatter / save_images: pictures are PNG,
    /// so the name must end in .png (never PNG bytes under a .jpg name).
    static func pngFile(_ args: inout Arguments) throws -> String {
        let path = try args.string("file", position: 1)
        guard path.lowercased().hasSuffix(".png") else {
            let span = args.value("file", position: 1)?.span ?? args.span
            throw Diagnostic.error("\(args.function) writes a PNG picture; name the file '….png', not '\(path)'", at: span)
        }
        return path
    }

    /// The file argument of save_chart / save_boxplot and the format its extension names
    /// (.png or .svg; anything else is an error at the file name).
    static func chartFile(_ args: inout Arguments) throws -> (String, ChartFormat) {
        let path = try args.string("file", position: 0)
        guard let format = ChartFormat(path: path) else {
            let span = args.value("file", position: 0)?.span ?? args.span
            throw Diagnostic.error("\(args.function) writes a .png or an .svg file, not '\(path)'", at: span)
        }
        return (path, format)
    }

    static func write(_ span: SourceSpan, _ body: () throws -> Void) throws {
        do { try body() } catch { throw Diagnostic.error("cannot write the picture: \(error)", at: span) }
    }
}

extension Interpreter {
    /// log p(x) per example under a flow, evaluated in chunks of 1000.
    func logLikelihood(_ m: ModelValue, _ x: Tensor<Double>, _ settings: LogDetSettings, span: SourceSpan) throws -> Tensor<Double> {
        let model = m.model
        guard Array(x.shape.dropFirst()) == model.inputShape, model.outputShape.reduce(1, *) == model.inputShape.reduce(1, *) else {
            throw Diagnostic.error("'\(m.name)' is a flow on [\(model.inputShape.map(String.init).joined(separator: ", "))]; got data \(x.shape)", at: span)
        }
        if checkOnly { return .zeros([x.shape[0]]) }
        let n = x.shape[0], width = x.count / max(n, 1)
        var out = [Double]()
        var start = 0
        while start < n {
            let size = min(1000, n - start)
            let (exec, input, logp) = likelihoodPlan(model, settings, batch: size)
            let p = exec.inputPointer(input)
            for i in 0..<(size * width) { p[i] = Float(x.scalars[start * width + i]) }
            exec.run()
            out += UnsafeBufferPointer(start: exec.pointer(logp), count: size).map(Double.init)
            start += size
        }
        return Tensor(shape: [n], scalars: out)
    }
}

extension Interpreter {
    /// log p(x) per example of a batch, planned once per (model, log-det method, batch
    /// size) and reused; its random stream gives fresh Hutchinson probes at every run.
    func likelihoodPlan(_ model: Model, _ settings: LogDetSettings, batch: Int) -> (Executor<Float>, Node, Node) {
        let key = "\(ObjectIdentifier(model).hashValue)|\(settings.method)|\(settings.probes)|\(settings.rademacher)|\(settings.gradient)|\(settings.extraTerms)|\(batch)"
        if let plan = likelihoodPlans[key], plan.model === model { return (plan.executor, plan.input, plan.output) }
        let input = graph.input("loglik_x", shape: [batch] + model.inputShape)
        let context = ApplyContext(training: false, logDet: settings)
        let logp = FlowDensity.logProbability(z: model.apply(input, context), logDetTerms: context.logDetTerms)
        modelSeedCounter += 1
        let exec = Executor<Float>(graph: graph, outputs: [logp], variables: variables, seed: seed &+ 7919 &* modelSeedCounter)
        // The plan keeps the model alive, so its identity in the key cannot be reused.
        likelihoodPlans[key] = (model, exec, input, logp)
        return (exec, input, logp)
    }
}
