import NetRuntime

/// A model read as the chain of Def. 3.4, F = A_L D_{I_{L−1}} A_{L−1} ⋯ D_{I_1} A_1: its
/// layers flattened into *steps*, each an affine map (dense, conv1d, conv2d — a strided
/// convolution is a matrix too, Def. 2.23), a ReLU, or a pure re-indexing (flatten,
/// reshape, dropout, which is the identity outside training).
///
/// Steps are named by kind and occurrence ("conv2d1", "relu1", "conv2d2", …; the same names
/// as the parameters of a model without blocks). The *layer index* counts the affine and
/// ReLU steps from 1 in model order, so a convolution and its ReLU are separate layers, as
/// in Fig. 3.4; a re-indexing step (flatten) carries the index of the layer before it.
public struct PiecewiseLinearNetwork {
    public enum Kind: Sendable { case affine, relu, reindex }

    public struct Step {
        public let layer: Layer
        public let kind: Kind
        public let name: String
        /// The layer index: 1-based position among the affine and ReLU steps.
        public let index: Int
        public let inputShape: [Int]
        public let outputShape: [Int]
        public var outputSize: Int { outputShape.reduce(1, *) }
    }

    public struct Unsupported: Error, CustomStringConvertible, Sendable {
        public var description: String
    }

    public let model: Model
    public let steps: [Step]
    public var inputSize: Int { model.inputShape.reduce(1, *) }

    /// Throws `Unsupported` naming the first layer that is not dense, conv, relu or a
    /// re-indexing (other activations, pooling, residual blocks, normalisation, flows).
    public init(_ model: Model) throws {
        self.model = model
        var steps: [Step] = []
        var counts: [String: Int] = [:]
        var layerIndex = 0
        func visit(_ seq: Sequential) throws {
            for (layer, input) in zip(seq.layers, seq.inputShapes) {
                if let inner = layer as? Sequential { try visit(inner); continue }
                let kind: Kind
                switch layer {
                case is Dense, is Convolution: kind = .affine
                case is Flatten, is Reshape, is Dropout: kind = .reindex
                case let a as Activation where a.kind == "relu": kind = .relu
                default:
                    throw Unsupported(description: "layer \(steps.count + 1) of '\(model.name)' is \(layer.kind); the chapter 3 analysis needs a ReLU network of dense and convolutional layers (flatten, reshape and dropout may appear too)")
                }
                counts[layer.kind, default: 0] += 1
                if kind != .reindex { layerIndex += 1 }
                steps.append(Step(layer: layer, kind: kind, name: "\(layer.kind)\(counts[layer.kind]!)", index: layerIndex,
                                  inputShape: input, outputShape: try layer.outputShape(for: input)))
            }
        }
        try visit(model.root)
        guard steps.contains(where: { $0.kind != .reindex }) else {
            throw Unsupported(description: "'\(model.name)' has no dense, convolutional or relu layer to analyse")
        }
        self.steps = steps
    }

    /// The number of steps in the prefix named by `layer`: a step name ("relu2") or a
    /// 1-based step index; nil for the whole network. Throws `Unsupported` for an unknown name.
    public func prefixLength(_ layer: String?) throws -> Int {
        guard let layer else { return steps.count }
        if let i = steps.firstIndex(where: { $0.name == layer }) { return i + 1 }
        throw Unsupported(description: "'\(model.name)' has no layer '\(layer)'; its layers are " + steps.map(\.name).joined(separator: ", "))
    }

    /// `prefixLength` for a layer index: the prefix ends with the affine or ReLU step of
    /// that index.
    public func prefixLength(index: Int) throws -> Int {
        guard let i = steps.firstIndex(where: { $0.index == index && $0.kind != .reindex }) else {
            throw Unsupported(description: "layer index \(index) is outside 1…\(steps.last?.index ?? 0) for '\(model.name)'")
        }
        return i + 1
    }

    /// The tangent map of one affine step without its bias (the matrix A_l of Def. 3.4),
    /// applied to a batch of tangent vectors.
    static func linearPart(_ step: Step, _ t: Node) throws -> Node {
        switch step.layer {
        case let d as Dense:
            guard d.constraint == nil else { throw Unsupported(description: "\(step.name) has a Lipschitz constraint; layer_spectra needs plain weights (linearize handles it)") }
            return t.matmul(d.weight!, transposeB: true)
        case let c as Convolution:
            guard c.constraint == nil else { throw Unsupported(description: "\(step.name) has a Lipschitz constraint; layer_spectra needs plain weights (linearize handles it)") }
            return c.dimensions == 2 ? t.conv2d(c.weight!, stride: c.stride, padding: c.padding) : t.conv1d(c.weight!, stride: c.stride, padding: c.padding)
        default:
            throw Unsupported(description: "\(step.name) is not affine")
        }
    }
}
