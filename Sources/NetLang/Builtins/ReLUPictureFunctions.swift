import Foundation
import NetLibrary
import NetRuntime

/// The pictures of chapter 3 on R²: Fig. 3.1 (`save_regions`: prediction, preimage class
/// and condition number of a small ReLU network's first layer) and Fig. 3.3
/// (`save_row_removal`: the rows of a layer, the rows ReLU removes at marked inputs, and
/// the area where it removes them, unbiased and biased).
extension Builtins {
    static var reluPictureFunctions: [(String, Body)] {
        [
            ("save_regions", { context, args in
                // save_regions(model, "regions.png", point: [x, y], range: 3, grid: 200, examples: set): Fig. 3.1.
                let (_, network, modelSpan) = try analysisNetwork(&args)
                let path = try pngPath(&args, position: 1)
                let point = try analysisPoint(&args, "point", position: 2, size: 2, context)
                let range = try positive(&args, "range", 3)
                let grid = try args.integer("grid", default: 200, minimum: 10)
                guard grid <= 600, range > 0 else { throw Diagnostic.error("save_regions needs range > 0 and grid ≤ 600", at: args.span) }
                guard network.model.inputShape == [2], network.steps.count >= 2, network.steps[0].kind == .affine, network.steps[1].kind == .relu else {
                    throw Diagnostic.error("save_regions needs a model on 2-D points that starts with dense(…) relu", at: modelSpan)
                }
                let data = try regionData(&args)
                if context.mode == .shapeOnly { return .record([("regions", .number(.nan)), ("preimage", uncheckedPreimage(inputs: 2))]) }
                let result = try preimageError(args.span) {
                    try LinearRegionPicture.render(network, variables: VariableStore<Double>(converting: context.variables), point: point,
                                                   range: range, grid: grid, data: data)
                }
                try write(context, args) { try Pictures.titled(result.image, context.pictureTitle("")).writePNG(to: context.outputPath(path)) }
                context.output("wrote \(context.writtenName(path))")
                return .record([("regions", .number(Double(result.regions))), ("preimage", preimageValue(result.preimage))])
            }),
            ("save_row_removal", { context, args in
                // save_row_removal(a, "rows.png", x, bias: b, biased_x: x2, range: 1.5): Fig. 3.3,
                // a panel with b = 0 at x and, when a bias is given, one with b at biased_x.
                let a = try args.required("a", position: 0)
                guard let at = context.tensorValue(a.value), at.rank == 2, at.shape[1] == 2, at.shape[0] >= 1, at.scalars.allSatisfy(\.isFinite) else {
                    throw Diagnostic.error("save_row_removal needs the rows of a layer on R², a finite matrix [m, 2], got \(describe(a.value))", at: a.span)
                }
                let path = try pngPath(&args, position: 1)
                let x = try analysisPoint(&args, "x", position: 2, size: 2, context)
                let biased = args.value("bias") != nil
                let bias = try biasArgument(&args, rows: at.shape[0], context)
                guard bias.allSatisfy(\.isFinite) else { throw Diagnostic.error("save_row_removal: the bias is not finite", at: args.value("bias")?.span ?? args.span) }
                let biasedX = args.value("biased_x") == nil ? x : try analysisPoint(&args, "biased_x", position: nil, size: 2, context)
                let range = try args.number("range", default: 1.5)
                guard range > 0, range.isFinite else { throw Diagnostic.error("save_row_removal needs range > 0", at: args.value("range")?.span ?? args.span) }
                let title = context.pictureTitle(try args.string("title", default: ""))
                let m = at.shape[0]
                var panels = [RowRemovalPicture.Panel(bias: [Double](repeating: 0, count: m), point: x, title: "unbiased, b = 0")]
                if biased { panels.append(.init(bias: bias, point: biasedX, title: "biased, b = (" + bias.map { String(format: "%.2g", $0) }.joined(separator: ", ") + ")")) }
                let rows = (0..<m).map { [at.scalars[2 * $0], at.scalars[2 * $0 + 1]] }
                if context.mode == .shapeOnly { return .list(panels.map { _ in removalValue(nil) }) }
                let (image, removals) = RowRemovalPicture.render(rows: rows, panels: panels, range: range)
                try write(context, args) { try Pictures.titled(image, title).writePNG(to: context.outputPath(path)) }
                context.output("wrote \(context.writtenName(path))")
                return .list(removals.map(removalValue))
            }),
        ]
    }

    /// One panel of save_row_removal as a record: the removed rows, κ(A) and κ(D_I A).
    static func removalValue(_ r: RowRemovalPicture.Removal?) -> Value {
        .record([("inactive", .tensor(Tensor(shape: [r?.inactive.count ?? 0], scalars: (r?.inactive ?? []).map(Double.init)))),
                 ("condition", .number(r?.conditionBefore ?? .nan)), ("condition_removed", .number(r?.conditionAfter ?? .nan))])
    }

    /// save_regions' `examples:`: a data set of 2-D points with class labels, drawn on the prediction panel.
    static func regionData(_ args: inout Arguments) throws -> (points: [[Double]], labels: [Int])? {
        guard let d = args.value("examples") else { return nil }
        guard case let .dataset(set) = d.value, set.exampleShape == [2], let y = set.y, set.hasLabels else {
            throw Diagnostic.error("save_regions: examples: takes a data set of 2-D points with class labels, got \(describe(d.value))", at: d.span)
        }
        return ((0..<set.count).map { [set.x.scalars[2 * $0], set.x.scalars[2 * $0 + 1]] }, y.scalars.map { Int(max(0, $0)) })
    }
}
