import NetRuntime

/// A layer of a model: hyper-parameters fixed where the model is defined, parameters
/// created when the model is built for an input shape, and an application to batch-first
/// graph nodes.
///
/// Shapes in this protocol exclude the batch dimension: a dense layer maps [64] to [128],
/// a 2-D convolution [C, H, W] to [C', H', W'].
public protocol Layer: AnyObject {
    /// The layer's name in summaries and diagnostics ("dense", "conv2d", "residual").
    var kind: String { get }
    /// Hyper-parameters for summaries ("128", "32, kernel 3, stride 2").
    var details: String { get }
    /// The output shape for an input shape; throws a `LayerError` saying what was expected.
    func outputShape(for input: [Int]) throws -> [Int]
    /// Creates the parameters for an input shape (called once, before `apply`).
    func build(_ builder: ModelBuilder, input: [Int]) throws
    /// Applies the layer to x of shape [N] + input.
    func apply(_ x: Node, _ context: ApplyContext) -> Node
    /// Sub-layers, for summaries, constraint checks and parameter listings.
    var children: [Layer] { get }
    /// Parameters this layer owns directly (not those of its children).
    var parameters: [Node] { get }
}

extension Layer {
    public var details: String { "" }
    public var children: [Layer] { [] }
    public var parameters: [Node] { [] }
    public func build(_ builder: ModelBuilder, input: [Int]) throws {}

    /// Every parameter of this layer and its descendants.
    public var allParameters: [Node] { parameters + children.flatMap(\.allParameters) }
}

/// A shape or hyper-parameter that does not fit a layer.
public struct LayerError: Error, CustomStringConvertible, Sendable {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// What a model application collects besides its output: whether it trains (dropout,
/// batch norm), state updates to run after the step (power-iteration vectors, running
/// statistics), and the log-determinant terms of invertible layers when a flow asks.
public final class ApplyContext {
    public let training: Bool
    public private(set) var updates: [(variable: Node, value: Node)] = []
    /// Per-sample log|det J| contributions [N], when `logDet` is set.
    public private(set) var logDetTerms: [Node] = []
    public var logDet: LogDetSettings?
    /// The graph built under this context is planned once and run many times (a training
    /// step, a `jit` function): random built-ins become random leaves, drawn anew at every
    /// run, instead of tensors drawn once while building.
    public var repeatsExecution = false

    public init(training: Bool, logDet: LogDetSettings? = nil) {
        self.training = training
        self.logDet = logDet
    }

    public func addUpdate(_ variable: Node, _ value: Node) { updates.append((variable, value)) }

    /// ActNorm layers still waiting for data-dependent initialisation, with their inputs,
    /// in application order.
    public private(set) var pendingInitializations: [(layer: ActNorm, input: Node)] = []
    public func addPendingInitialization(_ layer: ActNorm, input: Node) { pendingInitializations.append((layer, input)) }
    public func addLogDet(_ term: Node) { logDetTerms.append(term) }

    /// Parts a multi-scale flow has factored out so far ([N, ·] each; see `FactorOut`).
    public private(set) var factoredOut: [Node] = []
    public func addFactoredOut(_ part: Node) { factoredOut.append(part) }
    /// Removes and returns the parts factored out since `start`.
    public func takeFactoredOut(from start: Int) -> [Node] {
        defer { factoredOut.removeSubrange(start...) }
        return Array(factoredOut[start...])
    }

    /// When set, residual blocks record their Jacobians J_g [N, d, d] at their inputs
    /// (for `LogDetEstimatorStatistics`).
    public var collectsBlockJacobians = false
    public private(set) var blockJacobians: [Node] = []
    public func addBlockJacobian(_ jacobian: Node) { blockJacobians.append(jacobian) }

    /// Power iterations to run to a tolerance before each training step.
    public private(set) var powerIterations: [PowerIterationRefiner.Item] = []
    public func addPowerIteration(_ item: PowerIterationRefiner.Item) { powerIterations.append(item) }
}

/// Creates parameters in a graph with stable, hierarchical names ("mlp.dense1.weight").
public final class ModelBuilder {
    public let graph: Graph
    public var rng: RandomGenerator
    private var prefix: [String] = []
    /// Every variable created through this builder, in creation order.
    public private(set) var created: [Node] = []
    private var counters: [String: [String: Int]] = [:]
    /// Names of variables this builder did not create but adopted from a composed model
    /// (`adopt`), by node id: "clf.feat.dense1.weight" for the variable labelled
    /// "feat.dense1.weight".
    public private(set) var adoptedNames: [Int: String] = [:]

    /// The scheme for weights and biases of layers that do not choose their own.
    public let initialization: WeightInitialization

    /// Whether start values that cost computation (a constrained layer's exact top singular
    /// vector, by power iteration on its operator) are computed. Off when only shapes are
    /// checked (`netl check`): such a layer then starts from a random vector, as with
    /// `start: "random"`, and nothing else changes.
    public let computesStartValues: Bool

    public init(graph: Graph, seed: UInt64, initialization: WeightInitialization = .torch, computesStartValues: Bool = true) {
        self.graph = graph
        self.rng = RandomGenerator(seed: seed)
        self.initialization = initialization
        self.computesStartValues = computesStartValues
    }

    /// Every layer built in a scope of its own, with its hierarchical name
    /// ("flow.residual2.dense1"), in build order (depth first).
    public private(set) var namedLayers: [(name: String, layer: Layer)] = []

    /// Runs `body` with names prefixed by a unique child name for `kind` ("dense1", "dense2");
    /// `layer`, when given, is recorded under that name.
    public func scope<R>(_ kind: String, layer: Layer? = nil, _ body: () throws -> R) rethrows -> R {
        let key = prefix.joined(separator: ".")
        let n = (counters[key]?[kind] ?? 0) + 1
        counters[key, default: [:]][kind] = n
        // A composed model is named by its own name ("feat"; "feat2" when used again).
        if let composed = layer as? ComposedModel {
            let m = (counters[key]?["model " + composed.model.name] ?? 0) + 1
            counters[key, default: [:]]["model " + composed.model.name] = m
            prefix.append(m == 1 ? composed.model.name : "\(composed.model.name)\(m)")
        } else {
            prefix.append("\(kind)\(n)")
        }
        if let layer { namedLayers.append((prefix.joined(separator: "."), layer)) }
        defer { prefix.removeLast() }
        return try body()
    }

    /// Runs `body` with an explicit name component (the model's own name).
    public func named<R>(_ name: String, _ body: () throws -> R) rethrows -> R {
        prefix.append(name)
        defer { prefix.removeLast() }
        return try body()
    }

    /// The current name without the model's own ("residual3.dense1").
    public var path: String { prefix.dropFirst().joined(separator: ".") }

    /// The current hierarchical name plus `leaf`.
    public func qualified(_ leaf: String) -> String { (prefix + [leaf]).joined(separator: ".") }

    /// The most numbers one model may hold: beyond this a typo such as dense(1e7) would
    /// exhaust memory instead of reporting an error.
    public static let parameterLimit = 100_000_000
    /// The most numbers one layer may output per example (the same reasoning).
    public static let activationLimit = 100_000_000

    /// Throws when `layer`'s output for one example, `shape`, exceeds `activationLimit`:
    /// no batch could pass through it, so this is said where the model is defined rather
    /// than where it is first applied.
    public static func checkOutputSize(_ shape: [Int], of layer: Layer) throws {
        if shape.holdsMoreValues(than: activationLimit) {
            throw LayerError("\(layer.kind) would output \(shape) per example (\(shape.elementCountDescription) values), more than 10⁸")
        }
    }
    private var total = 0

    private func reserve(_ shape: [Int]) throws {
        let n = shape.checkedElementCount ?? Int.max
        guard n <= Self.parameterLimit - total else {
            throw LayerError("\(prefix.joined(separator: ".")) would hold more than \(Self.parameterLimit) parameters (shape \(shape))")
        }
        total += n
    }

    /// A trainable weight initialised by `scheme` (the builder's when nil).
    public func weightParameter(_ leaf: String, shape: [Int], fanIn: Int, fanOut: Int,
                                scheme: WeightInitialization? = nil) throws -> Node {
        try reserve(shape)
        let value = (scheme ?? initialization).weight(shape: shape, fanIn: fanIn, fanOut: fanOut, rng: &rng)
        let v = graph.variable(qualified(leaf), value)
        created.append(v)
        return v
    }

    /// A trainable bias initialised by `scheme` (the builder's when nil).
    public func biasParameter(_ leaf: String, shape: [Int], fanIn: Int, scheme: WeightInitialization? = nil) throws -> Node {
        try reserve(shape)
        let v = graph.variable(qualified(leaf), (scheme ?? initialization).bias(shape: shape, fanIn: fanIn, rng: &rng))
        created.append(v)
        return v
    }

    /// A unit vector (non-trainable state) for a spectral norm's power iteration: `initial`
    /// when given (a warm start from the initial weight), random otherwise.
    public func stateVector(_ leaf: String, shape: [Int], initial: Tensor<Double>? = nil) throws -> Node {
        try reserve(shape)
        let v: Node
        if let initial, initial.shape == shape {
            v = graph.variable(qualified(leaf), initial, trainable: false)
        } else {
            v = SpectralNorm.makeVector(graph, name: qualified(leaf), shape: shape, rng: &rng)
        }
        created.append(v)
        return v
    }

    /// Lists the variables and named layers of `inner`, a model used as a layer here, under
    /// the current name: shared, not created (a variable already listed, because the same
    /// model is used twice, keeps its first name).
    public func adopt(_ inner: Model) throws {
        let here = prefix.joined(separator: ".")
        let listed = Set(created.map(\.id))
        for v in inner.variables where !listed.contains(v.id) {
            try reserve(v.shape)
            created.append(v)
            adoptedNames[v.id] = here + "." + inner.localName(of: v)
        }
        for (name, layer) in inner.namedLayers { namedLayers.append((here + "." + name, layer)) }
    }

    /// A parameter with a given value.
    public func parameter(_ leaf: String, _ value: Tensor<Double>, trainable: Bool = true) throws -> Node {
        try reserve(value.shape)
        let v = graph.variable(qualified(leaf), value, trainable: trainable)
        created.append(v)
        return v
    }
}
