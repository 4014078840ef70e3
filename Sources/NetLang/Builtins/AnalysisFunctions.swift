import Foundation
import NetLibrary
import NetRuntime

/// Chapter 3: linearisations of ReLU networks (Def. 3.4), their spectra per layer
/// (Fig. 3.4), preimages of ReLU layers (Thm 3.3, GLPK), omnidirectionality (Def. 3.1), the
/// singular-value bounds of Lemmas 3.5 and 3.6, and the linear-region picture of Fig. 3.1.
/// Everything is computed in Float64 with the session's current parameters.
extension Builtins {
    static var analysisFunctions: [(String, Body)] {
        [
            ("linearize", { context, args in
                // linearize(model, x, upto: "relu2"): {jacobian [m, n], output [m], patterns}.
                let (_, network, modelSpan) = try analysisNetwork(&args)
                let x = try analysisPoint(&args, "x", position: 1, size: network.inputSize, context)
                let length = try prefixLength(&args, network, default: network.steps.count, span: modelSpan)
                let m = network.steps[length - 1].outputSize
                try checkSize(m * network.inputSize, "the Jacobian [\(m), \(network.inputSize)]", span: args.span)
                let reluSteps = network.steps.prefix(length).filter { $0.kind == .relu }
                if context.mode == .shapeOnly {
                    return .record([("jacobian", .tensor(.zeros([m, network.inputSize]))), ("output", .tensor(.zeros([m]))),
                                    ("patterns", .record(reluSteps.map { ($0.name, .tensor(.zeros([$0.outputSize]))) }))])
                }
                let r = Linearization(network, length: length, variables: VariableStore<Double>(converting: context.variables)).evaluate(at: x)
                let patterns = r.patterns.map { ($0.name, Value.tensor(Tensor(shape: [$0.active.count], scalars: $0.active.map { $0 ? 1 : 0 }))) }
                return .record([("jacobian", .tensor(r.jacobian)), ("output", .tensor(Tensor(shape: [m], scalars: r.output))),
                                ("patterns", .record(patterns))])
            }),
            ("layer_spectra", { context, args in
                // layer_spectra(model, data, samples: 50): per layer, medians over the first
                // `samples` examples of the singular values of the prefix's linearisation.
                let (_, network, _) = try analysisNetwork(&args)
                let d = try args.required("data", position: 1)
                let data: Tensor<Double>?
                if case let .dataset(set) = d.value { data = set.x } else { data = context.tensorValue(d.value) }
                guard let data, data.rank >= 1, data.count == data.shape[0] * network.inputSize, data.shape[0] > 0 else {
                    throw Diagnostic.error("layer_spectra needs examples of the model's input size \(network.inputSize), got \(describe(d.value))", at: d.span)
                }
                let samples = min(try args.integer("samples", position: 2, default: 50, minimum: 1), data.shape[0])
                // As linearize and preimage: a non-finite example has no linearisation (it printed a table of nonsense).
                guard data.scalars[0..<(samples * network.inputSize)].allSatisfy(\.isFinite) else {
                    throw Diagnostic.error("layer_spectra: 'data' is not finite", at: d.span)
                }
                let units = network.steps.filter { $0.kind != .reindex }.map(\.outputSize).reduce(0, +)
                // The Jacobians of all prefixes are built at once (forward mode): up to 1.5·10⁸
                // numbers (1.2 GB), enough for Table 3.1's networks on 28×28 inputs (1.04·10⁸).
                try checkSize(units * network.inputSize, "the Jacobians of all \(network.steps.count) layers", limit: 150_000_000, span: args.span)
                if context.mode == .shapeOnly { return spectraValue(nil, network) }
                let n = network.inputSize
                let inputs = (0..<samples).map { Array(data.scalars[($0 * n)..<(($0 + 1) * n)]) }
                let spectra = try dataError(args.span) {
                    try LayerSpectra.measure(network, inputs: inputs, variables: VariableStore<Double>(converting: context.variables))
                }
                return spectraValue(spectra, network)
            }),
            ("save_spectra_decay", { context, args in
                // save_spectra_decay(spectra, "decay.png", title: "…"): Fig. 3.4 left.
                let s = try args.required("spectra", position: 0)
                let path = try pngPath(&args, position: 1)
                let title = context.pictureTitle(try args.string("title", default: "singular values per layer"))
                let spectra = try spectraArgument(s)
                if context.mode == .shapeOnly { return .none }
                try write(context, args) { try SpectraCharts.decay(spectra, title: title).image().writePNG(to: context.outputPath(path)) }
                context.output("wrote \(context.writtenName(path))")
                return .none
            }),
            ("save_spectra_panels", { context, args in
                // save_spectra_panels("fig34.png", [wide, thin], ["WideCIFAR", "ThinCIFAR"]): Fig. 3.4 right.
                let path = try pngPath(&args, position: 0)
                let list = try args.required("spectra", position: 1), names = try args.required("labels", position: 2)
                let title = context.pictureTitle(try args.string("title", default: "Fig. 3.4"))
                guard case let .list(items) = list.value, case let .list(labels) = names.value, items.count == labels.count, !items.isEmpty else {
                    throw Diagnostic.error("save_spectra_panels needs a list of layer_spectra results and as many labels", at: args.span)
                }
                let models = try zip(labels, items).map { (context.display($0), try spectraArgument(ArgumentValue(label: nil, value: $1, span: list.span))) }
                if context.mode == .shapeOnly { return .none }
                try write(context, args) { try SpectraCharts.panels(models, title: title).writePNG(to: context.outputPath(path)) }
                context.output("wrote \(context.writtenName(path))")
                return .none
            }),
            ("layer_operator", { context, args in
                // layer_operator(model, "conv2d1"): {weight A [m, n], bias b [m]} of y = A·x + b.
                let (_, network, _) = try analysisNetwork(&args)
                let step = try affineStep(&args, network, position: 1)
                try checkSize(step.outputSize * step.inputShape.reduce(1, *), "the operator matrix of \(step.name)", span: args.span)
                if context.mode == .shapeOnly {
                    return .record([("weight", .tensor(.zeros([step.outputSize, step.inputShape.reduce(1, *)]))), ("bias", .tensor(.zeros([step.outputSize])))])
                }
                let (a, b) = try dataError(args.span) { try LayerOperator.affine(step, in: network, variables: VariableStore<Double>(converting: context.variables)) }
                return .record([("weight", .tensor(a)), ("bias", .tensor(Tensor(shape: [b.count], scalars: b)))])
            }),
            ("preimage", { context, args in
                // preimage(model, x, layer: "dense1") or preimage(a, b, x: x0) or preimage(a, b, y: y).
                let first = try args.required("model", position: 0)
                if case .model = first.value { return try modelPreimage(&args, context) }
                let (a, b) = try weightAndBias(&args, context)
                let x = args.value("x"), y = args.value("y")
                guard (x == nil) != (y == nil) else {
                    throw Diagnostic.error("preimage(a, b, …) needs exactly one of x: (an input) or y: (an output)", at: args.span)
                }
                let given = x ?? y!
                guard let t = context.tensorValue(given.value) else { throw Diagnostic.error("preimage needs a tensor for \(given.label ?? "x")", at: given.span) }
                if context.mode == .shapeOnly { return uncheckedPreimage(inputs: a.shape[1]) }
                let r = try preimageError(given.span) {
                    x != nil ? try ReLUPreimage.classify(weight: a, bias: b, input: t.scalars)
                             : try ReLUPreimage.classify(weight: a, bias: b, output: t.scalars)
                }
                return preimageValue(r)
            }),
            ("omnidirectional", { context, args in
                // omnidirectional(a) or omnidirectional(a, b): Def. 3.1 by Stiemke's alternative.
                let a = try matrix(&args, context)
                let bArg = args.value("b", position: 1)
                if context.mode == .shapeOnly {
                    return .record([("verdict", .string("(not computed by netl check)")), ("omnidirectional", .boolean(false)),
                                    ("rank", .number(.nan)), ("margin", .number(.nan)), ("point", .none)])
                }
                guard let bArg else {
                    return omnidirectionalValue(try dataError(args.span) { try Omnidirectionality.test(a) }, point: nil, withPoint: false)
                }
                guard let b = context.tensorValue(bArg.value), b.count == a.shape[0] else {
                    throw Diagnostic.error("omnidirectional(a, b) needs b with one value per row of a (\(a.shape[0]))", at: bArg.span)
                }
                let (t, p) = try dataError(args.span) { try Omnidirectionality.test(a, bias: b.scalars) }
                return omnidirectionalValue(t, point: p, withPoint: true)
            }),
            ("inactive_set", { context, args in
                // inactive_set(a, x, bias: b): the indices I = {i : (a·x + b)ᵢ ≤ 0} (Def. 3.4).
                let a = try matrix(&args, context)
                let x = try args.required("x", position: 1)
                guard let xt = context.tensorValue(x.value), xt.count == a.shape[1] else {
                    throw Diagnostic.error("inactive_set needs x with \(a.shape[1]) values", at: x.span)
                }
                let b = try biasArgument(&args, rows: a.shape[0], context)
                let n = a.shape[1]
                let set = (0..<a.shape[0]).filter { i in (0..<n).reduce(b[i]) { $0 + a.scalars[i * n + $1] * xt.scalars[$1] } <= 0 }
                return .tensor(Tensor(shape: [set.count], scalars: set.map(Double.init)))
            }),
            ("admissible", { context, args in
                // admissible(a, I, bias: b): Def. 3.4 i by a linear program.
                let a = try matrix(&args, context)
                let set = try indexSet(&args, "inactive", position: 1, context)
                let b = try biasArgument(&args, rows: a.shape[0], context)
                if context.mode == .shapeOnly { return .boolean(false) }
                return .boolean(try dataError(args.span) { try ReLUSingularValueBounds.isAdmissible(a, bias: b, inactive: set) })
            }),
            ("relu_bounds", { context, args in
                // relu_bounds(a, I): Lemma 3.5 for D_I·a.
                let a = try matrix(&args, context)
                let set = try indexSet(&args, "inactive", position: 1, context)
                if context.mode == .shapeOnly {
                    return .record(["rank", "removed", "smallest", "smallest_bound", "largest", "largest_bound"].map { ($0, .number(.nan)) } + [("holds", .boolean(false))])
                }
                let r = try dataError(args.span) { try ReLUSingularValueBounds.lemma35(a, inactive: set) }
                return .record([("rank", .number(Double(r.rank))), ("removed", .number(Double(r.removed))),
                                ("smallest", .number(r.smallestNonZero)), ("smallest_bound", .number(r.smallestBound ?? .infinity)),
                                ("largest", .number(r.largest)), ("largest_bound", .number(r.largestBound)), ("holds", .boolean(r.holds))])
            }),
            ("weak_correlation_bound", { context, args in
                // weak_correlation_bound(a, I, k): Lemma 3.6 for the removed row k ∈ I.
                let a = try matrix(&args, context)
                let set = try indexSet(&args, "inactive", position: 1, context)
                let k = try args.integer("removed", position: 2, minimum: 0)
                if context.mode == .shapeOnly {
                    return .record([("c", .number(.nan)), ("smallest", .number(.nan)), ("hypothesis", .boolean(false)), ("holds", .boolean(false))])
                }
                let r = try dataError(args.span) { try ReLUSingularValueBounds.lemma36(a, inactive: set, removed: k) }
                return .record([("c", .number(r.c)), ("smallest", .number(r.smallestNonZero)), ("hypothesis", .boolean(r.hypothesis)),
                                ("holds", .boolean(r.holds))])
            }),
            ("weakly_correlated_rows", { context, args in
                // weakly_correlated_rows(m, n, epsilon: 0.1, seed: 0): the Fig. 3.3 construction.
                let m = try args.integer("rows", position: 0, minimum: 2), n = try args.integer("columns", position: 1, minimum: 2)
                guard m <= 10_000_000, n <= 10_000_000, m * n <= 10_000_000 else { throw Diagnostic.error("weakly_correlated_rows: at most 10⁷ entries", at: args.span) }
                let epsilon = try args.number("epsilon", default: 0.1)
                var rng = RandomGenerator(seed: UInt64(try args.integer("seed", default: 0, minimum: 0)))
                return .tensor(ReLUSingularValueBounds.weaklyCorrelatedRows(rows: m, columns: n, epsilon: epsilon, rng: &rng))
            }),
        ]
    }

    // MARK: arguments

    static func analysisNetwork(_ args: inout Arguments) throws -> (ModelValue, PiecewiseLinearNetwork, SourceSpan) {
        let m = try args.required("model", position: 0)
        guard case let .model(model) = m.value else { throw Diagnostic.error("\(args.function) needs a model first, got \(describe(m.value))", at: m.span) }
        do { return (model, try PiecewiseLinearNetwork(model.model), m.span) } catch { throw Diagnostic.error("\(error)", at: m.span) }
    }

    /// A point of `size` numbers (any shape with that many values).
    static func analysisPoint(_ args: inout Arguments, _ name: String, position: Int?, size: Int, _ context: BuiltinContext) throws -> [Double] {
        let x = try args.required(name, position: position)
        guard let t = context.tensorValue(x.value), t.count == size else {
            throw Diagnostic.error("\(args.function): '\(name)' must have \(size) values (the model's input size), got \(describe(x.value))", at: x.span)
        }
        guard t.scalars.allSatisfy(\.isFinite) else { throw Diagnostic.error("\(args.function): '\(name)' is not finite", at: x.span) }
        return t.scalars
    }

    /// `upto:` a layer name ("relu2") or a 1-based layer index.
    static func prefixLength(_ args: inout Arguments, _ network: PiecewiseLinearNetwork, default fallback: Int, span: SourceSpan) throws -> Int {
        guard let u = args.value("upto") else { return fallback }
        do {
            switch u.value {
            case let .string(name): return try network.prefixLength(name)
            case let .number(v) where exactInt(v) != nil: return try network.prefixLength(index: exactInt(v)!)
            default: throw Diagnostic.error("upto: takes a layer name such as \"relu2\" or a layer number", at: u.span)
            }
        } catch let e as Diagnostic { throw e } catch { throw Diagnostic.error("\(error)", at: u.span) }
    }

    static func affineStep(_ args: inout Arguments, _ network: PiecewiseLinearNetwork, position: Int) throws -> PiecewiseLinearNetwork.Step {
        let l = try args.required("layer", position: position)
        let length: Int
        do {
            switch l.value {
            case let .string(name): length = try network.prefixLength(name)
            case let .number(v) where exactInt(v) != nil: length = try network.prefixLength(index: exactInt(v)!)
            default: throw Diagnostic.error("'layer' takes a layer name such as \"dense1\" or a layer number", at: l.span)
            }
        } catch let e as Diagnostic { throw e } catch { throw Diagnostic.error("\(error)", at: l.span) }
        let step = network.steps[length - 1]
        guard step.kind == .affine else { throw Diagnostic.error("\(step.name) is not a dense or convolutional layer", at: l.span) }
        return step
    }

    /// Refuses matrices that would not fit comfortably in memory (Float64).
    static func checkSize(_ count: Int, _ what: String, limit: Int = 50_000_000, span: SourceSpan) throws {
        guard count <= limit else {
            throw Diagnostic.error("\(what) would hold \(count) numbers (more than \(limit == 50_000_000 ? "5·10⁷" : "1.5·10⁸")); analyse a smaller input or fewer layers", at: span)
        }
    }

    static func weightAndBias(_ args: inout Arguments, _ context: BuiltinContext) throws -> (Tensor<Double>, [Double]) {
        let a = try args.required("a", position: 0)
        guard let at = context.tensorValue(a.value), at.rank == 2, at.count > 0 else {
            throw Diagnostic.error("\(args.function) needs a model or a weight matrix first, got \(describe(a.value))", at: a.span)
        }
        let b = try args.required("b", position: 1)
        guard let bt = context.tensorValue(b.value), bt.count == at.shape[0] else {
            throw Diagnostic.error("\(args.function): the bias needs \(at.shape[0]) values (one per row of the weight), got \(describe(b.value))", at: b.span)
        }
        return (at, bt.scalars)
    }

    static func biasArgument(_ args: inout Arguments, rows: Int, _ context: BuiltinContext) throws -> [Double] {
        guard let b = args.value("bias") else { return [Double](repeating: 0, count: rows) }
        guard let t = context.tensorValue(b.value), t.count == rows else {
            throw Diagnostic.error("\(args.function): the bias needs \(rows) values, got \(describe(b.value))", at: b.span)
        }
        return t.scalars
    }

    static func indexSet(_ args: inout Arguments, _ name: String, position: Int, _ context: BuiltinContext) throws -> [Int] {
        let v = try args.required(name, position: position)
        let set = context.tensorValue(v.value).map { $0.scalars.compactMap(exactInt) }
        guard let t = context.tensorValue(v.value), t.rank <= 1, let set, set.count == t.count else {
            throw Diagnostic.error("\(args.function): '\(name)' must be a list of row indices (from 0)", at: v.span)
        }
        return set
    }

    static func pngPath(_ args: inout Arguments, position: Int) throws -> String {
        let path = try args.string("file", position: position)
        guard path.lowercased().hasSuffix(".png") else {
            throw Diagnostic.error("\(args.function) writes a .png file, not '\(path)'", at: args.value("file", position: position)?.span ?? args.span)
        }
        return path
    }

    static func preimageError<R>(_ span: SourceSpan, _ body: () throws -> R) throws -> R { try dataError(span, body) }

    static func modelPreimage(_ args: inout Arguments, _ context: BuiltinContext) throws -> Value {
        let (_, network, _) = try analysisNetwork(&args)
        let x = try analysisPoint(&args, "x", position: 1, size: network.inputSize, context)
        let layerArg = args.value("layer", position: 2)
        let step = try affineStep(&args, network, position: 2)
        try checkSize(step.outputSize * step.inputShape.reduce(1, *), "the operator matrix of \(step.name)", span: args.span)
        let next = step.index < network.steps.count ? network.steps[step.index] : nil
        guard next?.kind == .relu else {
            throw Diagnostic.error("preimage analyses a ReLU layer: \(step.name) must be followed by relu", at: layerArg?.span ?? args.span)
        }
        if context.mode == .shapeOnly { return uncheckedPreimage(inputs: step.inputShape.reduce(1, *)) }
        let store = VariableStore<Double>(converting: context.variables)
        return try preimageError(args.span) {
            let (a, b) = try LayerOperator.affine(step, in: network, variables: store)
            let u = LayerOperator.input(ofStep: step.index - 1, in: network, at: x, variables: store)
            return preimageValue(try ReLUPreimage.classify(weight: a, bias: b, input: u))
        }
    }

    // MARK: results

    static func spectraArgument(_ s: ArgumentValue) throws -> LayerSpectra {
        guard case let .record(fields) = s.value, let box = fields.first(where: { $0.0 == "singular_values" }), case let .list(items) = box.1 else {
            throw Diagnostic.error("expected the result of layer_spectra(…)", at: s.span)
        }
        func numbers(_ name: String) -> [Double] {
            if case let .tensor(t)? = fields.first(where: { $0.0 == name })?.1 { return t.scalars }
            return []
        }
        guard case let .list(names)? = fields.first(where: { $0.0 == "layer" })?.1, case let .number(samples)? = fields.first(where: { $0.0 == "samples" })?.1 else {
            throw Diagnostic.error("expected the result of layer_spectra(…)", at: s.span)
        }
        let index = numbers("index"), units = numbers("units"), nonZero = numbers("nonzero"), condition = numbers("condition")
        let largest = numbers("largest"), smallest = numbers("smallest")
        let layers = items.enumerated().map { i, v -> LayerSpectra.Layer in
            var curve: [Double] = []
            if case let .tensor(t) = v { curve = t.scalars }
            var name = ""
            if case let .string(s) = names[i] { name = s }
            return LayerSpectra.Layer(name: name, index: Int(index[i]), units: Int(units[i]), nonZero: nonZero[i], condition: condition[i],
                                      largest: largest[i], smallestNonZero: smallest[i], singularValues: curve)
        }
        return LayerSpectra(layers: layers, samples: Int(samples))
    }

    static func spectraValue(_ s: LayerSpectra?, _ network: PiecewiseLinearNetwork) -> Value {
        let layers = s?.layers ?? []
        func column(_ f: (LayerSpectra.Layer) -> Double) -> Value { .tensor(Tensor(shape: [layers.count], scalars: layers.map(f))) }
        let rows = layers.map { l in
            [String(l.index), l.name, String(l.units), formatValue(l.nonZero), formatValue(l.largest), formatValue(l.smallestNonZero), formatValue(l.condition)]
        }
        let table = TextTable.render(headers: ["layer", "name", "units", "non-zero σ", "σ_max", "σ_min≠0", "condition"], rows: rows)
        return .record([
            ("layer", .list(layers.map { .string($0.name) })), ("index", column { Double($0.index) }), ("units", column { Double($0.units) }),
            ("nonzero", column(\.nonZero)), ("condition", column(\.condition)), ("largest", column(\.largest)),
            ("smallest", column(\.smallestNonZero)), ("samples", .number(Double(s?.samples ?? 0))), ("table", .string(table)),
            ("singular_values", .list(layers.map { .tensor(Tensor(shape: [$0.singularValues.count], scalars: $0.singularValues)) })),
        ])
    }

    static func preimageValue(_ r: ReLUPreimage) -> Value {
        let k = r.nullity, n = r.point.count
        return .record([
            ("class", .string(r.kind.rawValue)), ("nullity", .number(Double(k))), ("active", .number(Double(r.active))),
            ("point", .tensor(Tensor(shape: [n], scalars: r.point))),
            ("directions", .tensor(Tensor(shape: [k, n], scalars: r.directions.flatMap { $0 }))),
            ("extents", .tensor(Tensor(shape: [k, 2], scalars: r.extents.flatMap { [$0.min, $0.max] }))),
            ("omnidirectional", .string(r.omnidirectionality?.verdict.rawValue ?? "n/a")),
            ("programs", .number(Double(r.linearPrograms))),
        ])
    }

    /// What preimage(…) gives under `netl check`, where nothing is computed: the fields,
    /// without values.
    static func uncheckedPreimage(inputs n: Int) -> Value {
        .record([("class", .string("(not computed by netl check)")), ("nullity", .number(.nan)), ("active", .number(.nan)),
                 ("point", .tensor(.zeros([n]))), ("directions", .tensor(.zeros([0, n]))), ("extents", .tensor(.zeros([0, 2]))),
                 ("omnidirectional", .string("(not computed by netl check)")), ("programs", .number(.nan))])
    }

    static func omnidirectionalValue(_ t: Omnidirectionality, point: [Double]?, withPoint: Bool) -> Value {
        var fields: [(String, Value)] = [("verdict", .string(t.verdict.rawValue)), ("omnidirectional", .boolean(t.isOmnidirectional)),
                                         ("rank", .number(Double(t.rank))), ("margin", .number(t.margin))]
        if let note = t.note { fields.append(("note", .string(note))) }
        if withPoint { fields.append(("point", point.map { .tensor(Tensor(shape: [$0.count], scalars: $0)) } ?? .none)) }
        return .record(fields)
    }
}
