import NetRuntime

/// A named network: a sequence of layers built for an input shape in a graph.
///
/// Applying the model to several inputs (a training batch, a test set, a probe) reuses the
/// same parameters: they are graph variables created once in `init`.
public final class Model {
    public let name: String
    public let inputShape: [Int]
    public let outputShape: [Int]
    public let root: Sequential
    public let graph: Graph
    /// Every variable of the model: parameters and state (power-iteration vectors, running
    /// statistics), named "model.layer.leaf" — what a checkpoint holds.
    public let variables: [Node]

    /// Builds `layers` for inputs of shape `inputShape` (without the batch dimension).
    /// `initialization` is the scheme of every weight layer that does not choose its own;
    /// `computesStartValues` false skips costly start values (`ModelBuilder`).
    public init(name: String, inputShape: [Int], layers: [Layer], graph: Graph, seed: UInt64,
                initialization: WeightInitialization = .torch, computesStartValues: Bool = true) throws {
        self.name = name
        self.initialization = initialization
        self.inputShape = inputShape
        self.graph = graph
        let root = Sequential(layers)
        let builder = ModelBuilder(graph: graph, seed: seed, initialization: initialization, computesStartValues: computesStartValues)
        try builder.named(name) { try root.build(builder, input: inputShape) }
        // Layers hold graph nodes beyond their variables (masks, identities as constants):
        // they live as long as the model, so no statement's release may drop them.
        graph.keepEverythingBuilt()
        self.root = root
        variables = builder.created
        adoptedNames = builder.adoptedNames
        namedLayers = builder.namedLayers.map { (String($0.name.dropFirst(name.count + 1)), $0.layer) }
        let last = try root.outputShape(for: inputShape)
        // A multi-scale flow outputs its factored-out parts and the last layer's output,
        // flattened side by side (see `FactorOut`).
        var factored = 0
        for (layer, shape) in zip(root.layers, root.inputShapes) {
            if let split = layer as? FactorOut { factored += split.factoredShape(for: shape).reduce(1, *) }
        }
        hasFactorOut = factored > 0
        outputShape = hasFactorOut ? [factored + last.reduce(1, *)] : last
        if let outer = root.layers.first(where: { $0.children.contains(where: Self.containsFactorOut) }) {
            throw LayerError("factor_out splits a flow at its top level; it cannot be inside a \(outer.kind) block")
        }
    }

    /// Every layer, nested ones included, depth first, with the name its parameters carry
    /// after the model's ("residual2", "residual2.dense1").
    public let namedLayers: [(name: String, layer: Layer)]

    /// The names in this model of the variables of composed models, by node id.
    private let adoptedNames: [Int: String]

    /// A variable's name in this model, as checkpoints, records and `model.a.b` use it:
    /// its label ("mlp.dense1.weight"), or for a variable of a composed model the path
    /// through it ("clf.feat.dense1.weight" for feat's "feat.dense1.weight").
    public func name(of variable: Node) -> String {
        adoptedNames[variable.id] ?? (variable.operation as? VariableOp)?.label ?? "variable\(variable.id)"
    }

    /// A variable's name without the model's own ("dense1.weight", "feat.dense1.weight").
    public func localName(of variable: Node) -> String { String(name(of: variable).dropFirst(name.count + 1)) }

    /// The models used as layers of this one (directly or deeper), each once.
    public var composedModels: [Model] {
        func collect(_ layer: Layer) -> [Model] {
            ((layer as? ComposedModel).map { [$0.model] } ?? []) + layer.children.flatMap(collect)
        }
        return collect(root).uniqued { ObjectIdentifier($0) }
    }

    /// The default initialisation scheme of the model's weight layers.
    public let initialization: WeightInitialization

    /// Whether the model has `factor_out` layers (a multi-scale flow).
    public let hasFactorOut: Bool

    private static func containsFactorOut(_ layer: Layer) -> Bool {
        layer is FactorOut || layer.children.contains(where: containsFactorOut)
    }

    /// The model applied to x [N] + inputShape.
    public func apply(_ x: Node, _ context: ApplyContext) -> Node {
        precondition(Array(x.shape.dropFirst()) == inputShape, "\(name) expects [N] + \(inputShape), got \(x.shape)")
        guard hasFactorOut else { return root.apply(x, context) }
        let start = context.factoredOut.count
        let last = root.apply(x, context)
        return concat(context.takeFactoredOut(from: start) + [last.reshaped([x.shape[0], -1])], axis: 1)
    }

    /// Every parameter (trainable variables), in layer order.
    /// A model used twice as a layer contributes its parameters once.
    public var parameters: [Node] { root.allParameters.uniqued() }

    /// Set by `freeze(model)`: train blocks leave this model's parameters as they are,
    /// whether it is trained itself or as a layer of another (PyTorch's
    /// `requires_grad_(False)`, Keras' `trainable = False`).
    public var frozen = false

    /// The parameters a train block updates: the trainable ones, less those of frozen
    /// models (this one, or models used as its layers).
    public var parametersToTrain: [Node] {
        let held = Set(([self] + composedModels).filter(\.frozen).flatMap(\.parameters))
        return parameters.filter { ($0.operation as? VariableOp)?.trainable == true && !held.contains($0) }
    }

    /// Number of trainable numbers.
    public var parameterCount: Int { parameters.filter { ($0.operation as? VariableOp)?.trainable == true }.map(\.count).reduce(0, +) }

    /// Every layer in depth-first order with its depth, input shape and output shape.
    public func layerRows() -> [SummaryRow] {
        var rows: [SummaryRow] = []
        func visit(_ seq: Sequential, depth: Int) {
            for (layer, input) in zip(seq.layers, seq.inputShapes) {
                let output = (try? layer.outputShape(for: input)) ?? []
                let own = layer.parameters.filter { ($0.operation as? VariableOp)?.trainable == true }.map(\.count).reduce(0, +)
                let total = layer.allParameters.filter { ($0.operation as? VariableOp)?.trainable == true }.map(\.count).reduce(0, +)
                rows.append(SummaryRow(depth: depth, kind: layer.kind, details: layer.details, output: output,
                                       parameters: layer.children.isEmpty ? own : total))
                if let residual = layer as? Residual {
                    visit(residual.body, depth: depth + 1)
                } else if let inner = layer as? Sequential {
                    visit(inner, depth: depth + 1)
                } else if let composed = layer as? ComposedModel {
                    visit(composed.model.root, depth: depth + 1)
                }
            }
        }
        visit(root, depth: 0)
        return rows
    }

    /// A Keras-style summary: layer, output shape, parameters, total.
    public func summary() -> String {
        let rows = layerRows()
        let header = ("layer", "output shape", "params")
        let names = rows.map { String(repeating: "  ", count: $0.depth) + $0.kind + ($0.details.isEmpty ? "" : "(\($0.details))") }
        let shapes = rows.map { "[N, " + $0.output.map(String.init).joined(separator: ", ") + "]" }
        let params = rows.map { String($0.parameters) }
        let w0 = max(header.0.count, names.map(\.count).max() ?? 0)
        let w1 = max(header.1.count, shapes.map(\.count).max() ?? 0)
        let w2 = max(header.2.count, params.map(\.count).max() ?? 0)
        func pad(_ s: String, _ w: Int) -> String { s + String(repeating: " ", count: max(0, w - s.count)) }
        func lpad(_ s: String, _ w: Int) -> String { String(repeating: " ", count: max(0, w - s.count)) + s }
        let rule = String(repeating: "─", count: w0 + w1 + w2 + 4)
        var out = "model \(name): input [N, " + inputShape.map(String.init).joined(separator: ", ") + "]\n"
        out += pad(header.0, w0) + "  " + pad(header.1, w1) + "  " + lpad(header.2, w2) + "\n" + rule + "\n"
        for i in rows.indices { out += pad(names[i], w0) + "  " + pad(shapes[i], w1) + "  " + lpad(params[i], w2) + "\n" }
        out += rule + "\n"
        if hasFactorOut {
            out += "output [N, \(outputShape[0])]: the factored-out parts and the last output, flattened\n"
        }
        out += "total parameters: \(parameterCount)"
        return out
    }
}

/// One line of a model summary.
public struct SummaryRow: Sendable, Equatable {
    public var depth: Int
    public var kind: String
    public var details: String
    public var output: [Int]
    public var parameters: Int
}
