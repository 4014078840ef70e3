import NetLibrary
import NetRuntime

/// One built-in layer as scripts see it: its name, its arguments (type, default, whether
/// it may be given by position), its shape rule, what it accepts (a Lipschitz constraint,
/// an `init:` scheme) and how to construct it. The catalog of these descriptions is the
/// one place a layer is registered: model construction, argument errors, REPL completion
/// and the docs' layer table (checked by a test) all read it.
public struct LayerDescription: Sendable {
    /// One argument of a layer.
    public struct Argument: Sendable {
        public enum Kind: Sendable {
            case wholeNumber(minimum: Int)
            case number
            case boolean
            case shape
            /// A weight-initialisation scheme name (`init:`).
            case scheme
            /// One of the given names (a coupling's `mask:`).
            case choice([String])
        }
        public let name: String
        public let kind: Kind
        /// Whether it may be given by position (in the order of the list).
        public let positional: Bool
        /// The default as the docs write it ("3", "same", "the model's"); nil: required.
        public let fallback: String?

        var typeDescription: String {
            switch kind {
            case let .wholeNumber(minimum): "a whole number ≥ \(minimum)"
            case .number: "a number"
            case .boolean: "true or false"
            case .shape: "a shape such as [2, 4]"
            case .scheme: "an initialisation scheme (\(WeightInitialization.allNames.map { "\"\($0)\"" }.joined(separator: ", ")))"
            case let .choice(names): "one of \(names.map { "\"\($0)\"" }.joined(separator: ", "))"
            }
        }
    }

    public let name: String
    public let arguments: [Argument]
    /// The shape rule as the docs state it (shapes without the batch axis).
    public let shapeRule: String
    /// Whether a `lipschitz(…)` constraint may follow the layer or reach it from a block.
    public let acceptsLipschitz: Bool
    /// Whether the layer is written with a network of its own, `name(…) { layers }` (the
    /// coupling layers); the constructor finds it in `LayerArguments.body`.
    public var takesBody = false
    let construct: @Sendable (inout LayerArguments) throws -> Layer

    /// Whether the layer takes `init:` (a weight-initialisation scheme).
    public var acceptsInitialization: Bool { arguments.contains { $0.name == "init" } }

    /// `dense(units, bias: true, init: the model's)` — the form the docs' table shows.
    public var signature: String {
        let body = takesBody ? " { layers }" : ""
        guard !arguments.isEmpty else { return name + body }
        let parts = arguments.map { a in a.fallback.map { "\(a.name): \($0)" } ?? a.name }
        return "\(name)(\(parts.joined(separator: ", ")))" + body
    }
}

/// The built-in layers, by name.
public enum LayerCatalog {
    typealias Argument = LayerDescription.Argument

    private static func whole(_ name: String, minimum: Int = 1, positional: Bool = true, _ fallback: String? = nil) -> Argument {
        Argument(name: name, kind: .wholeNumber(minimum: minimum), positional: positional, fallback: fallback)
    }
    private static func number(_ name: String, positional: Bool = true, _ fallback: String? = nil) -> Argument {
        Argument(name: name, kind: .number, positional: positional, fallback: fallback)
    }
    private static let bias = Argument(name: "bias", kind: .boolean, positional: false, fallback: "true")
    private static let initialization = Argument(name: "init", kind: .scheme, positional: false, fallback: "the model's")
    private static let convolutionArguments = [whole("channels"), whole("kernel", "3"), whole("stride", positional: false, "1"),
                                               whole("padding", minimum: 0, positional: false, "same"), bias, initialization]
    private static let poolingArguments = [whole("kernel", "2"), whole("stride", positional: false, "kernel"),
                                           whole("padding", minimum: 0, positional: false, "0")]

    private static func activation(_ name: String, _ make: @escaping @Sendable () -> Layer) -> LayerDescription {
        LayerDescription(name: name, arguments: [], shapeRule: "unchanged", acceptsLipschitz: false) { _ in make() }
    }

    private static func convolution(_ d: Int) -> LayerDescription {
        LayerDescription(name: "conv\(d)d", arguments: convolutionArguments,
                         shapeRule: d == 1 ? "[C, L] → [channels, ⌊(L + 2p − k)/s⌋ + 1]" : "[C, H, W] → [channels, H', W'], each like conv1d",
                         acceptsLipschitz: true) { a in
            let layer = try Convolution(dimensions: d, channels: try a.integer("channels"), kernel: try a.integer("kernel"),
                                        stride: try a.integer("stride"), padding: try a.optionalInteger("padding"),
                                        useBias: try a.boolean("bias"))
            layer.initialization = try a.initialization()
            return layer
        }
    }

    private static func pooling(_ mode: Pooling.Mode, _ d: Int) -> LayerDescription {
        LayerDescription(name: "\(mode == .max ? "max" : "avg")pool\(d)d", arguments: poolingArguments,
                         shapeRule: d == 1 ? "[C, L] → [C, ⌊(L + 2p − k)/s⌋ + 1]" : "[C, H, W] → [C, H', W']",
                         acceptsLipschitz: false) { a in
            try Pooling(mode, dimensions: d, kernel: try a.integer("kernel"), stride: try a.optionalInteger("stride"),
                        padding: try a.integer("padding"))
        }
    }

    private static func coupling(_ transform: Coupling.Transform) -> LayerDescription {
        LayerDescription(name: "\(transform.rawValue)_coupling",
                         arguments: [Argument(name: "mask", kind: .choice(CouplingMask.allCases.map(\.rawValue)), positional: false, fallback: "\"channel\""),
                                     Argument(name: "flip", kind: .boolean, positional: false, fallback: "false")],
                         shapeRule: "unchanged; body: conditioning part → \(transform == .affine ? "2 ×" : "") transformed part",
                         acceptsLipschitz: false, takesBody: true) { a in
            Coupling(transform, mask: CouplingMask(rawValue: try a.choice("mask"))!, flip: try a.boolean("flip"), body: a.body)
        }
    }

    /// Every built-in layer, in the docs' order.
    public static let all: [LayerDescription] = [
        LayerDescription(name: "dense", arguments: [whole("units"), bias, initialization],
                         shapeRule: "[F] → [units]", acceptsLipschitz: true) { a in
            let layer = Dense(units: try a.integer("units"), useBias: try a.boolean("bias"))
            layer.initialization = try a.initialization()
            return layer
        },
        convolution(1),
        convolution(2),
        LayerDescription(name: "locally_connected",
                         arguments: [whole("channels"), whole("kernel", "3"), whole("stride", positional: false, "1"),
                                     whole("padding", minimum: 0, positional: false, "0"), initialization],
                         shapeRule: "[C, L] → [channels, ⌊(L + 2p − k)/s⌋ + 1]", acceptsLipschitz: false) { a in
            let layer = try LocallyConnected(channels: try a.integer("channels"), kernel: try a.integer("kernel"),
                                             stride: try a.integer("stride"), padding: try a.integer("padding"))
            layer.initialization = try a.initialization()
            return layer
        },
        activation("relu") { Activation.relu() },
        activation("tanh") { Activation.tanh() },
        activation("sigmoid") { Activation.sigmoid() },
        activation("softplus") { Activation.softplus() },
        LayerDescription(name: "elu", arguments: [number("alpha", "1")], shapeRule: "unchanged", acceptsLipschitz: false) { a in
            Activation.elu(try a.number("alpha"))
        },
        LayerDescription(name: "leaky_relu", arguments: [number("slope", "0.01")], shapeRule: "unchanged", acceptsLipschitz: false) { a in
            Activation.leakyRelu(try a.number("slope"))
        },
        activation("lipswish") { LipSwish() },
        pooling(.max, 1), pooling(.average, 1), pooling(.max, 2), pooling(.average, 2),
        LayerDescription(name: "global_avgpool", arguments: [], shapeRule: "[C, …] → [C]", acceptsLipschitz: false) { _ in
            GlobalAveragePooling()
        },
        LayerDescription(name: "flatten", arguments: [], shapeRule: "[d₁, d₂, …] → [d₁·d₂·…]", acceptsLipschitz: false) { _ in Flatten() },
        LayerDescription(name: "reshape", arguments: [Argument(name: "shape", kind: .shape, positional: true, fallback: nil)],
                         shapeRule: "[…] → shape", acceptsLipschitz: false) { a in Reshape(try a.shape("shape")) },
        LayerDescription(name: "dropout", arguments: [number("p")], shapeRule: "unchanged", acceptsLipschitz: false) { a in
            try Dropout(try a.number("p"))
        },
        LayerDescription(name: "batchnorm", arguments: [number("momentum", positional: false, "0.1")],
                         shapeRule: "unchanged", acceptsLipschitz: false) { a in BatchNorm(momentum: try a.number("momentum")) },
        LayerDescription(name: "actnorm", arguments: [Argument(name: "data_init", kind: .boolean, positional: false, fallback: "true")],
                         shapeRule: "unchanged", acceptsLipschitz: false) { a in
            ActNorm(dataInitialization: try a.boolean("data_init"))
        },
        LayerDescription(name: "squeeze", arguments: [whole("factor", "2")], shapeRule: "[C, H, W] → [C·f², H/f, W/f]",
                         acceptsLipschitz: false) { a in Squeeze(try a.integer("factor")) },
        LayerDescription(name: "unsqueeze", arguments: [whole("factor", "2")], shapeRule: "[C·f², H, W] → [C, H·f, W·f]",
                         acceptsLipschitz: false) { a in Unsqueeze(try a.integer("factor")) },
        LayerDescription(name: "pad_channels", arguments: [whole("channels", minimum: 0)], shapeRule: "[C, …] → [C + channels, …]",
                         acceptsLipschitz: false) { a in PadChannels(try a.integer("channels")) },
        LayerDescription(name: "factor_out", arguments: [whole("channels")], shapeRule: "[C, …] → [C − channels, …]",
                         acceptsLipschitz: false) { a in try FactorOut(channels: try a.integer("channels")) },
        coupling(.additive),
        coupling(.affine),
        LayerDescription(name: "invertible_conv1x1", arguments: [], shapeRule: "unchanged ([d], [C, L] or [C, H, W])",
                         acceptsLipschitz: false) { _ in InvertibleConv1x1() },
    ]

    /// Every built-in layer name.
    public static var names: [String] { all.map(\.name) }

    private static let byName = Dictionary(uniqueKeysWithValues: all.map { ($0.name, $0) })

    /// The description of the layer called `name`, if there is one.
    public static func description(of name: String) -> LayerDescription? { byName[name] }

    /// Builds the layer `name` from a script's arguments; errors name the layer and the
    /// argument and say what was expected.
    /// `body` is the layers of `name(…) { … }` (nil: written without a body).
    static func make(_ name: String, _ values: [ArgumentValue], body: [Layer]? = nil, span: SourceSpan, nameSpan: SourceSpan) throws -> (Layer, LayerDescription) {
        guard let description = byName[name] else {
            let hint = didYouMean(name, among: names)
            throw Diagnostic.error("unknown layer '\(name)'\(hint)", at: nameSpan)
        }
        if description.takesBody, body == nil {
            throw Diagnostic.error("\(name) needs a body, the network that computes its \(name.hasPrefix("affine") ? "scale and shift" : "shift"): \(description.signature), e.g. \(name)(mask: \"channel\") { conv2d(32, kernel: 3) relu conv2d(…) }", at: span)
        }
        if !description.takesBody, body != nil {
            let bodied = all.filter(\.takesBody).map(\.name).joined(separator: ", ")
            throw Diagnostic.error("\(name) takes no body ({ … }); layers with a body are \(bodied) (and residual)", at: span)
        }
        if let body, body.isEmpty {
            throw Diagnostic.error("the body of \(name) is empty; it needs at least one layer", at: span)
        }
        var reader = try LayerArguments(description, values, span: span)
        reader.body = body ?? []
        let layer: Layer
        do { layer = try description.construct(&reader) } catch let e as LayerError {
            throw Diagnostic.error(e.message, at: span)
        }
        try reader.checkAllUsed()
        return (layer, description)
    }
}

/// A layer's arguments read by the names, positions, types and defaults of its
/// description: the constructor asks by name only.
struct LayerArguments {
    let description: LayerDescription
    /// The layers of `name(…) { … }`, for a layer that takes a body.
    var body: [Layer] = []
    private var arguments: Arguments
    private let span: SourceSpan

    init(_ description: LayerDescription, _ values: [ArgumentValue], span: SourceSpan) throws {
        self.description = description
        self.span = span
        let known = description.arguments.map(\.name)
        for v in values {
            if let label = v.label, !known.contains(label) {
                let takes = known.isEmpty ? "it takes no arguments" : "it takes \(known.joined(separator: ", "))"
                let hint = suggestion(for: label, among: known).map { "did you mean '\($0)'? " } ?? ""
                throw Diagnostic.error("\(description.name) has no argument named '\(label)'; \(hint)\(takes)", at: v.labelSpan ?? v.span)
            }
        }
        let positional = description.arguments.filter(\.positional).map(\.name)
        let given = values.filter { $0.label == nil }
        if description.arguments.isEmpty, let first = values.first {
            throw Diagnostic.error("\(description.name) takes no arguments", at: first.span)
        }
        if given.count > positional.count {
            let what = positional.isEmpty ? "no positional arguments"
                : "at most \(positional.count) positional argument\(positional.count == 1 ? "" : "s") (\(positional.joined(separator: ", ")))"
            throw Diagnostic.error("\(description.name) takes \(what); name the others", at: given[positional.count].span)
        }
        arguments = Arguments(description.name, values, span)
    }

    private func argument(_ name: String) throws -> (spec: LayerDescription.Argument, position: Int?) {
        guard let spec = description.arguments.first(where: { $0.name == name }) else {
            throw Diagnostic.error("internal: layer \(description.name) reads an undeclared argument '\(name)'", at: span)
        }
        let position = spec.positional ? description.arguments.filter(\.positional).firstIndex { $0.name == name } : nil
        return (spec, position)
    }

    /// The value given for `name`, or nil (then the constructor's default applies).
    private mutating func given(_ name: String) throws -> (LayerDescription.Argument, ArgumentValue?) {
        let (spec, position) = try argument(name)
        return (spec, arguments.value(name, position: position))
    }

    private func mismatch(_ spec: LayerDescription.Argument, _ v: ArgumentValue) -> Diagnostic {
        .error("\(description.name): '\(spec.name)' must be \(spec.typeDescription), got \(describe(v.value))", at: v.span)
    }

    private func missing(_ spec: LayerDescription.Argument) -> Diagnostic {
        .error("\(description.name) needs '\(spec.name)' (\(spec.typeDescription)), e.g. \(description.signature)", at: span)
    }

    mutating func optionalInteger(_ name: String) throws -> Int? {
        let (spec, v) = try given(name)
        guard let v else { return nil }
        guard case let .number(x) = v.value else { throw mismatch(spec, v) }
        guard let n = exactInt(x) else {
            if x.isFinite, x == x.rounded() {
                throw Diagnostic.error("\(description.name): '\(spec.name)' is far too large (\(describe(v.value))); no layer can have that many", at: v.span)
            }
            throw mismatch(spec, v)
        }
        if case let .wholeNumber(minimum) = spec.kind, n < minimum { throw mismatch(spec, v) }
        return n
    }

    mutating func integer(_ name: String) throws -> Int {
        if let n = try optionalInteger(name) { return n }
        let (spec, _) = try argument(name)
        guard let fallback = spec.fallback, let n = Int(fallback) else { throw missing(spec) }
        return n
    }

    mutating func number(_ name: String) throws -> Double {
        let (spec, v) = try given(name)
        guard let v else {
            guard let fallback = spec.fallback, let x = Double(fallback) else { throw missing(spec) }
            return x
        }
        guard case let .number(x) = v.value else { throw mismatch(spec, v) }
        // leaky_relu(sqrt(-1)) passed the flow check (NaN > 1 is false) and output NaN.
        guard x.isFinite else { throw Diagnostic.error("\(description.name): '\(name)' must be a finite number, got \(formatValue(x))", at: v.span) }
        return x
    }

    mutating func boolean(_ name: String) throws -> Bool {
        let (spec, v) = try given(name)
        guard let v else {
            guard let fallback = spec.fallback else { throw missing(spec) }
            return fallback == "true"
        }
        guard case let .boolean(b) = v.value else { throw mismatch(spec, v) }
        return b
    }

    mutating func shape(_ name: String) throws -> [Int] {
        let (_, position) = try argument(name)
        return try arguments.shape(name, position: position)
    }

    /// One of the names a `.choice` argument allows (the default when not given).
    mutating func choice(_ name: String) throws -> String {
        let (spec, v) = try given(name)
        guard case let .choice(names) = spec.kind else { return "" }
        guard let v else { return spec.fallback.map { String($0.filter { $0 != "\"" }) } ?? "" }
        guard case let .string(s) = v.value, names.contains(s) else {
            if case let .string(s) = v.value, let hint = suggestion(for: s, among: names) {
                throw Diagnostic.error("\(description.name): unknown \(spec.name) \"\(s)\"; did you mean \"\(hint)\"? It is \(spec.typeDescription)", at: v.span)
            }
            throw mismatch(spec, v)
        }
        return s
    }

    /// The `init:` scheme, nil when not given (the model's applies).
    mutating func initialization() throws -> WeightInitialization? {
        let (spec, v) = try given("init")
        guard let v else { return nil }
        guard case let .string(s) = v.value else { throw mismatch(spec, v) }
        return try initializationScheme(named: s, span: v.span)
    }

    func checkAllUsed() throws { try arguments.checkAllUsed() }
}

/// The scheme called `name`, or an error listing the schemes.
func initializationScheme(named name: String, span: SourceSpan) throws -> WeightInitialization {
    guard let scheme = WeightInitialization(named: name) else {
        let hint = suggestion(for: name, among: WeightInitialization.allNames).map { "did you mean '\($0)'? " } ?? ""
        throw Diagnostic.error("unknown initialisation '\(name)'; \(hint)the schemes are \(WeightInitialization.allNames.joined(separator: ", "))", at: span)
    }
    return scheme
}
