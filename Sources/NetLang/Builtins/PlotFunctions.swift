import Foundation
import NetLibrary
import NetRuntime

/// Pictures: PNG heat-maps of flow densities, scatter plots of samples, image grids, and
/// charts (lines with bands, box plots) as PNG or SVG. Files are written atomically to the
/// output directory (`--out`; next to the script by default, `OutputFiles.swift`). Every
/// picture of a quick run (`quick` true) says so in its title.
extension Builtins {
    static var plotFunctions: [(String, Body)] {
        [
            ("save_density", { context, args in
                // save_density(flow, "density.png", range: 4, grid: 100): p(x) on a grid over
                // [−range, range]² (2-D flows), exact log-determinant by default.
                let m = try args.required("model", position: 0)
                guard case let .model(model) = m.value, model.model.inputShape == [2] else {
                    throw Diagnostic.error("save_density needs a flow on 2-D points", at: m.span)
                }
                let flow = try context.checkedFlow(model, .density, function: "save_density", span: m.span)
                let path = try pngFile(&args)
                let range = try positive(&args, "range", 4)
                let n = try args.integer("grid", default: 100, minimum: 2)
                guard n <= 1000 else { throw Diagnostic.error("grid is at most 1000", at: args.span) }
                let method = try args.choice("method", among: ["exact", "series"], default: "exact")
                let title = context.pictureTitle(try args.string("title", default: ""))
                let settings = method == "exact" ? LogDetSettings(method: .exact) : LogDetSettings(method: .powerSeries(terms: try args.integer("terms", default: 10, minimum: 1)))
                if context.mode == .shapeOnly { return .none }
                var points: [Double] = []
                for r in 0..<n { for c in 0..<n {
                    points += [-range + 2 * range * (Double(c) + 0.5) / Double(n), range - 2 * range * (Double(r) + 0.5) / Double(n)]
                } }
                let request = FlowEvaluationRequest(settings: settings, float64: method == "exact", probes: nil)
                let logp = context.flowDensity(flow, Tensor(shape: [n * n, 2], scalars: points), request).logp
                let density = (0..<n).map { r in (0..<n).map { c in Foundation.exp(logp[r * n + c]) } }
                try write(context, args) { try DensityPicture(values: density, range: range, title: title).image().writePNG(to: context.outputPath(path)) }
                context.output("wrote \(context.writtenName(path))")
                return .none
            }),
            ("save_scatter", { context, args in
                let x = try args.required("points", position: 0)
                let path = try pngFile(&args)
                let range = try positive(&args, "range", 4)
                let title = context.pictureTitle(try args.string("title", default: ""))
                var value = x.value
                if case let .dataset(d) = value { value = .tensor(d.x) }
                guard let t = context.tensorValue(value), t.rank == 2, t.shape[1] == 2 else {
                    throw Diagnostic.error("save_scatter needs points [N, 2]", at: x.span)
                }
                if context.mode == .shapeOnly { return .none }
                try write(context, args) { try ScatterPicture(points: t, range: range, title: title).image().writePNG(to: context.outputPath(path)) }
                context.output("wrote \(context.writtenName(path))")
                return .none
            }),
            ("save_images", { context, args in
                // save_images(x, "samples.png", shape: [8, 8], columns: 10, labels:, size: 64,
                // title:): grey-scale tiles enlarged to at least `size` pixels, a label under each.
                let x = try args.required("images", position: 0)
                let path = try pngFile(&args)
                let shape = try args.shape("shape", position: 2)
                let columns = try args.integer("columns", default: 10, minimum: 1)
                let size = try args.integer("size", default: 64, minimum: 1)
                guard size <= 1024 else { throw Diagnostic.error("size is at most 1024 pixels per image", at: args.value("size")?.span ?? args.span) }
                let title = context.pictureTitle(try args.string("title", default: ""))
                guard shape.count == 2, let t = context.tensorValue(x.value), t.count % (shape[0] * shape[1]) == 0 else {
                    throw Diagnostic.error("save_images needs images whose size is a multiple of \(shape)", at: x.span)
                }
                let count = t.count / (shape[0] * shape[1])
                // At most as many columns as images, and a picture of at most 5·10⁷ pixels
                // (each image pixel is enlarged so an image is at least `size` pixels wide,
                // plus room for a label).
                let used = min(columns, max(count, 1)), rows = (count + used - 1) / used
                let scale = max(1, (size + max(shape[0], shape[1]) - 1) / max(1, max(shape[0], shape[1])))
                let pixels = Double(used * (shape[1] * scale + 1) + 1) * Double(rows * (shape[0] * scale + 40 + 1) + 1)
                guard pixels <= 5e7 else {
                    throw Diagnostic.error("save_images: the picture would have \(formatValue(pixels)) pixels, more than 5·10⁷", at: args.span)
                }
                let labels = try args.value("labels").map { try imageLabels($0, count: count, context) }
                if context.mode == .shapeOnly { return .none }
                let images = t.reshaped([count] + shape)
                try write(context, args) {
                    try Pictures.titled(Pictures.grid(images, columns: used, minimumSize: size, labels: labels), title).writePNG(to: context.outputPath(path))
                }
                context.output("wrote \(context.writtenName(path))")
                return .none
            }),
            ("series", { context, args in
                // A named line for save_chart: series("c = 0.9", x, y, band: std).
                let label = try args.string("label", position: 0)
                let x = try args.required("x", position: 1), y = try args.required("y", position: 2)
                var fields: [(String, Value)] = [("label", .string(label)), ("x", x.value), ("y", y.value)]
                if let b = args.value("band", position: 3) { fields.append(("band", b.value)) }
                return .record(fields)
            }),
            ("save_chart", { context, args in
                // save_chart("bias.png", [series(…), …], title:, x_label:, y_label:, log_y:):
                // a PNG or an SVG file, by the name's extension.
                let (path, format) = try chartFile(&args)
                let list = try args.required("series", position: 1)
                var chart = Chart(title: context.pictureTitle(try args.string("title", default: "")), xLabel: try args.string("x_label", default: ""),
                                  yLabel: try args.string("y_label", default: ""), logY: try args.boolean("log_y", default: false))
                chart.series = try chartSeries(list.value, context, span: list.span)
                if context.mode == .shapeOnly { return .none }
                try write(context, args) {
                    switch format {
                    case .svg: try writeAtomically(chart.svg(), to: context.outputPath(path))
                    case .png: try chart.image().writePNG(to: context.outputPath(path))
                    }
                }
                context.output("wrote \(context.writtenName(path))")
                return .none
            }),
            ("save_boxplot", { context, args in
                // save_boxplot("folds.png", ["a", "b"], [[…], […]], title:, y_label:): PNG or SVG.
                let (path, format) = try chartFile(&args)
                let labels = try args.required("labels", position: 1), values = try args.required("values", position: 2)
                guard case let .list(ls) = labels.value, case let .list(vs) = values.value, ls.count == vs.count else {
                    throw Diagnostic.error("save_boxplot needs as many labels as lists of values", at: args.span)
                }
                let groups: [(label: String, values: [Double])] = try zip(ls, vs).map { label, v in
                    guard let t = context.tensorValue(v), t.rank <= 1 else {
                        throw Diagnostic.error("save_boxplot: each group's values must be a list of numbers, got \(describe(v))", at: values.span)
                    }
                    return (context.display(label), t.scalars)
                }
                let title = context.pictureTitle(try args.string("title", default: "")), yLabel = try args.string("y_label", default: "")
                if context.mode == .shapeOnly { return .none }
                let plot = BoxPlot(title: title, yLabel: yLabel, groups: groups)
                try write(context, args) {
                    switch format {
                    case .svg: try writeAtomically(plot.svg(), to: context.outputPath(path))
                    case .png: try plot.image().writePNG(to: context.outputPath(path))
                    }
                }
                context.output("wrote \(context.writtenName(path))")
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

    /// The lines of a chart from a list of series(label, x, y, band:) records.
    static func chartSeries(_ value: Value, _ context: BuiltinContext, span: SourceSpan) throws -> [Chart.Series] {
        guard case let .list(items) = value else { throw Diagnostic.error("expected a list of series(…)", at: span) }
        return try items.map { item in
            guard case let .record(fields) = item else { throw Diagnostic.error("each entry is a series(label, x, y)", at: span) }
            func numbers(_ name: String) -> [Double]? {
                fields.first { $0.0 == name }.flatMap { context.tensorValue($0.1)?.scalars }
            }
            guard case let .string(label)? = fields.first(where: { $0.0 == "label" })?.1, let x = numbers("x"), let y = numbers("y"), x.count == y.count else {
                throw Diagnostic.error("a series needs a label and x, y of equal length", at: span)
            }
            return .init(label: label, x: x, y: y, band: numbers("band"))
        }
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

    /// The labels of save_images: a list (strings or numbers) or a tensor [N] of classes,
    /// one per image.
    static func imageLabels(_ argument: ArgumentValue, count: Int, _ context: BuiltinContext) throws -> [String] {
        let items: [String]
        if case let .list(values) = argument.value {
            items = values.map { context.display($0) }
        } else if let t = context.tensorValue(argument.value), t.rank == 1 {
            items = t.scalars.map { context.display(.number($0)) }
        } else {
            throw Diagnostic.error("labels is a list of strings or numbers, or a tensor [N] of classes, one per image", at: argument.span)
        }
        guard items.count == count else {
            throw Diagnostic.error("labels has \(items.count) entries for \(count) images", at: argument.span)
        }
        return items
    }

    /// Writes a picture (only rank 0 of a data-parallel job does; the others hold the same
    /// values). A misspelt or surplus argument is an error *before* the file is written,
    /// not after (the call's other arguments have all been read by now).
    static func write(_ context: BuiltinContext, _ args: Arguments, _ body: () throws -> Void) throws {
        try args.checkAllUsed()
        guard context.writesFiles else { return }
        do { try body() } catch { throw Diagnostic.error("cannot write the picture: \(error)", at: args.span) }
    }
}
