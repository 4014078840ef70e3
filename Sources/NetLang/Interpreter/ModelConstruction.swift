import NetLibrary
import NetRuntime

/// Turns `model` and `block` definitions into `NetLibrary` layers.
extension Interpreter {
    func buildModel(_ m: ModelDefinition, in env: Environment) throws -> ModelValue {
        var args = Arguments("model \(m.name)", try m.arguments.map {
            ArgumentValue(label: $0.label, value: try evaluate($0.value, in: env), span: $0.value.span, labelSpan: $0.labelSpan)
        }, m.span)
        guard args.value("input", position: 0) != nil else {
            throw Diagnostic.error("model '\(m.name)' needs its input shape, e.g. model \(m.name)(input: [64]) { … }", at: m.nameSpan)
        }
        let input = try args.shape("input", position: 0)
        // init: "torch" (default), "xavier_uniform", … — every weight layer without its own.
        var initialization = WeightInitialization.torch
        if let scheme = args.value("init") {
            guard case let .string(name) = scheme.value else {
                throw Diagnostic.error("model \(m.name): 'init' must be the name of an initialisation scheme, got \(describe(scheme.value))", at: scheme.span)
            }
            initialization = try initializationScheme(named: name, span: scheme.span)
        }
        try args.checkAllUsed()
        modelBeingBuilt = m.name
        defer { modelBeingBuilt = nil }
        let layers = try m.layers.flatMap { try layersFor($0, in: env, constraint: nil) }
        // Build layer by layer so a shape error names the layer that does not fit.
        var shape = input
        for (layer, item) in zip(layers, layerSpans(m.layers, in: env)) {
            do {
                shape = try layer.outputShape(for: shape)
                try ModelBuilder.checkOutputSize(shape, of: layer)
            } catch let error as LayerError {
                throw Diagnostic(.error, "\(error.message)", at: item,
                                 notes: [Diagnostic(.note, "in model '\(m.name)', whose layers before this one produce [N, \(shape.map(String.init).joined(separator: ", "))]", at: nil)])
            }
        }
        do {
            // A check builds every layer (its shape rule) but computes no exact start vectors.
            let model = try Model(name: m.name, inputShape: input, layers: layers, graph: graph, seed: nextModelSeed(),
                                  initialization: initialization, computesStartValues: topLevelMode != .shapeOnly)
            variables.syncWithGraph()
            return ModelValue(model: model, definition: m)
        } catch let error as LayerError {
            throw Diagnostic.error("\(error.message)", at: m.nameSpan)
        }
    }

    /// The span of each top-level layer produced by the items (repeat and blocks expand).
    private func layerSpans(_ items: [LayerItem], in env: Environment) -> [SourceSpan] {
        items.flatMap { item -> [SourceSpan] in
            switch item {
            case let .repeated(count, body, _):
                let n = (try? integer(count, in: env, what: "repeat count")) ?? 0
                return (0..<max(0, n)).flatMap { _ in layerSpans(body, in: env) }
            case let .constrained(_, body, _): return layerSpans(body, in: env)
            case let .call(name, _, _, _, span):
                if case let .block(b) = env.lookup(name) {
                    return Array(repeating: span, count: b.definition.layers.count)
                }
                return [span]
            default: return [item.span]
            }
        }
    }

    func layersFor(_ item: LayerItem, in env: Environment, constraint: LipschitzConstraint?) throws -> [Layer] {
        switch item {
        case let .call(name, nameSpan, arguments, constraints, span):
            let args = try arguments.map { ArgumentValue(label: $0.label, value: try evaluate($0.value, in: env), span: $0.value.span, labelSpan: $0.labelSpan) }
            if constraints.count > 1 {
                throw Diagnostic.error("a layer takes one lipschitz constraint, '\(name)' has \(constraints.count)", at: constraints[1].span)
            }
            let own = try constraints.last.map { try lipschitz($0, in: env) } ?? constraint
            if case let .block(b) = env.lookup(name) {
                // A block that uses itself would expand forever: counted like a call.
                try enterCall(name, at: span)
                defer { leaveCall() }
                let inner = Environment(parent: b.environment)
                try bind(parameters: b.definition.parameters, arguments: args, into: inner, function: name, span: span, defaultsIn: b.environment)
                return try b.definition.layers.flatMap { try layersFor($0, in: inner, constraint: own) }
            }
            if let composed = try composedModel(name, in: env, arguments: arguments, constraints: constraints,
                                                 enclosingConstraint: constraint, nameSpan: nameSpan, span: span) {
                return [composed]
            }
            let (layer, description) = try LayerCatalog.make(name, args, span: span, nameSpan: nameSpan)
            layerSpans[ObjectIdentifier(layer)] = span
            if let c = constraints.last, !description.acceptsLipschitz {
                let constrainable = LayerCatalog.all.filter(\.acceptsLipschitz).map(\.name).joined(separator: ", ")
                throw Diagnostic.error("lipschitz constrains \(constrainable) layers, not '\(name)'", at: c.span)
            }
            if let own {
                if layer is LocallyConnected {
                    throw Diagnostic.error("locally_connected has no spectral normalisation yet; it cannot be inside a lipschitz constraint", at: span)
                }
                try attach(own, to: layer, span: constraints.last?.span ?? span)
            }
            return [layer]
        case let .bodied(name, nameSpan, arguments, body, span):
            if case .block = env.lookup(name) {
                throw Diagnostic.error("'\(name)' is a block; a block takes arguments, not a body ({ … })", at: span)
            }
            if case .model = env.lookup(name), LayerCatalog.description(of: name) == nil {
                throw Diagnostic.error("'\(name)' is a model; used as a layer it takes no body ({ … }): write just \(name)", at: span)
            }
            let args = try arguments.map { ArgumentValue(label: $0.label, value: try evaluate($0.value, in: env), span: $0.value.span, labelSpan: $0.labelSpan) }
            // The body is a network of its own: an enclosing lipschitz constraint stays outside it.
            let layers = try body.flatMap { try layersFor($0, in: env, constraint: nil) }
            let (layer, _) = try LayerCatalog.make(name, args, body: layers, span: span, nameSpan: nameSpan)
            layerSpans[ObjectIdentifier(layer)] = span
            return [layer]
        case let .residual(arguments, constraints, body, span):
            let args = Arguments("residual", try arguments.map {
                ArgumentValue(label: $0.label, value: try evaluate($0.value, in: env), span: $0.value.span, labelSpan: $0.labelSpan)
            }, span)
            try args.checkAllUsed()
            let own = try constraints.last.map { try lipschitz($0, in: env) } ?? constraint
            let layers = try body.flatMap { try layersFor($0, in: env, constraint: own) }
            let residual = Residual(layers)
            layerSpans[ObjectIdentifier(residual)] = span
            return [residual]
        case let .repeated(count, body, span):
            let n = try integer(count, in: env, what: "repeat count")
            guard n >= 0 && n <= 10_000 else { throw Diagnostic.error("repeat count \(n) is out of range", at: span) }
            var layers: [Layer] = []
            for _ in 0..<n {
                layers += try body.flatMap { try layersFor($0, in: env, constraint: constraint) }
                // Nested repeats multiply: stop at a size no model has.
                guard layers.count <= 100_000 else { throw Diagnostic.error("this repeat makes more than 100000 layers", at: span) }
            }
            return layers
        case let .constrained(c, body, _):
            let own = try lipschitz(c, in: env)
            return try body.flatMap { try layersFor($0, in: env, constraint: own) }
        }
    }

    /// `lipschitz(c: 0.9, iterations: 2, start: "random")` (c also positional).
    func lipschitz(_ c: Constraint, in env: Environment) throws -> LipschitzConstraint {
        var args = Arguments("lipschitz", try c.arguments.map {
            ArgumentValue(label: $0.label, value: try evaluate($0.value, in: env), span: $0.value.span, labelSpan: $0.labelSpan)
        }, c.span)
        let coefficient = try args.number("c", position: 0)
        // Each power-iteration step is unrolled into the training graph (1e12 ran out of memory).
        let iterations = try args.integer("iterations", position: 1, default: 1, minimum: 1, maximum: 1000)
        let tolerance = try args.optionalNumber("tolerance")
        let maxIterations = try args.integer("max_iterations", default: 100, minimum: 1, maximum: 1000)
        let startName = try args.string("start", default: PowerIterationStart.exact.rawValue)
        guard let start = PowerIterationStart(rawValue: startName) else {
            throw Diagnostic.error("lipschitz: 'start' is \"exact\" (the top singular vector) or \"random\", got \"\(startName)\"",
                                   at: args.value("start")?.span ?? c.span)
        }
        try args.checkAllUsed()
        guard coefficient > 0 else { throw Diagnostic.error("the Lipschitz coefficient c must be positive, got \(formatValue(coefficient))", at: c.span) }
        if let tolerance, !(tolerance > 0 && tolerance < 1) {
            throw Diagnostic.error("the power-iteration tolerance must be between 0 and 1, got \(formatValue(tolerance))", at: c.span)
        }
        if let tolerance, tolerance < PowerIterationRefiner.resolution {
            throw Diagnostic.error("tolerance \(formatValue(tolerance)) is below what Float32 power iteration resolves (‖Δu‖ ≈ \(formatValue(PowerIterationRefiner.resolution)) at the fixed point); ask for at least that", at: c.span)
        }
        return LipschitzConstraint(coefficient: coefficient, iterations: iterations, tolerance: tolerance,
                                   maxIterations: maxIterations, start: start)
    }

    /// Puts a constraint on a layer with a weight; activations and other weightless layers
    /// inside a constrained body are left alone (they are 1-Lipschitz or checked elsewhere).
    func attach(_ c: LipschitzConstraint, to layer: Layer, span: SourceSpan) throws {
        if let d = layer as? Dense { d.constraint = c }
        else if let conv = layer as? Convolution { conv.constraint = c }
    }
}
