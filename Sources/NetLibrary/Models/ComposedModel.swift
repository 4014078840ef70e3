import NetRuntime

/// A model used as a layer of another model (`model clf(input: [64]) { feat dense(10) }`).
///
/// The parameters are shared, not copied: the layer holds the inner `Model` itself, so
/// training the outer model trains the inner one's variables, and calling the inner model
/// afterwards sees them (PyTorch's `nn.Sequential(feat, head)`). Building the outer model
/// creates no variables for it; `ModelBuilder.adopt` lists the inner model's variables
/// under the outer model's names ("clf.feat.dense1.weight") for checkpoints and records.
/// Flow checks and the inverse see through it: `Sequential.openedLayers` puts its layers
/// in place of it.
public final class ComposedModel: Layer {
    public let model: Model

    public init(_ model: Model) { self.model = model }

    public var kind: String { "model" }
    public var details: String { model.name }
    public var children: [Layer] { [model.root] }

    public func outputShape(for input: [Int]) throws -> [Int] {
        if model.hasFactorOut {
            throw LayerError("'\(model.name)' is a multi-scale flow (it has factor_out), so its output is not one tensor; it cannot be a layer of another model")
        }
        guard input == model.inputShape else {
            throw LayerError("model '\(model.name)' takes [N, \(Self.list(model.inputShape))], but gets [N, \(Self.list(input))] here")
        }
        return model.outputShape
    }

    public func build(_ builder: ModelBuilder, input: [Int]) throws {
        _ = try outputShape(for: input)
        try builder.adopt(model)
    }

    public func apply(_ x: Node, _ context: ApplyContext) -> Node { model.root.apply(x, context) }

    private static func list(_ shape: [Int]) -> String { shape.map(String.init).joined(separator: ", ") }
}

/// One layer of a sequence with composed models opened up (`Sequential.openedLayers`).
public struct OpenedLayer {
    public var layer: Layer
    /// The layer's path as the outer model names it ("feat.residual1").
    public var path: String
    /// What the outer model puts before the inner model's own paths ("feat." or "").
    public var prefix: String
    public var inputShape: [Int]
}

extension Sequential {
    /// The layers of this sequence in order, each composed model replaced by its own
    /// top-level layers (recursively): what the flow check, the inverse and the norms walk,
    /// so an i-ResNet inside an i-ResNet is one chain of blocks (Thm. 4.1 per block).
    public var openedLayers: [OpenedLayer] {
        layers.indices.flatMap { i -> [OpenedLayer] in
            if let composed = layers[i] as? ComposedModel {
                let prefix = paths[i] + "."
                return composed.model.root.openedLayers.map {
                    OpenedLayer(layer: $0.layer, path: prefix + $0.path, prefix: prefix + $0.prefix, inputShape: $0.inputShape)
                }
            }
            return [OpenedLayer(layer: layers[i], path: paths[i], prefix: "", inputShape: inputShapes[i])]
        }
    }
}

extension Sequence {
    /// The elements in order, each once by `key`: models that share a composed model list
    /// its variables (and itself) in each (`train clf, feat`, a model used twice).
    public func uniqued<Key: Hashable>(by key: (Element) -> Key) -> [Element] {
        var seen = Set<Key>()
        return filter { seen.insert(key($0)).inserted }
    }
}

extension Sequence where Element: Hashable {
    /// The elements in order, each once.
    public func uniqued() -> [Element] { uniqued { $0 } }
}
