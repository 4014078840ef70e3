import NetRuntime

/// The operator norm of every linear layer of **any** model (Remark 4.9 and Fig. 4.2 for
/// networks that are not invertible too): dense and convolutional layers (with their
/// stride and padding: the norm of the operator, not of the reshaped kernel), locally
/// connected layers, a normalisation's scale as a diagonal, an activation's largest slope
/// — all measured in Float64 on the current values, the way `check_lipschitz` measures the
/// layers of an invertible network. Per residual block, the product over its body bounds
/// Lip(g); Thm. 4.1 guarantees an inverse when every block's bound is below 1 and every
/// other top-level layer is invertible.
public struct LayerNorms {
    public struct Row: Sendable {
        /// The layer's path as parameter names use it ("residual3.conv2d1").
        public var name: String
        public var kind: String
        /// ‖A‖₂ of a linear map (the effective weight of a constrained layer), the largest
        /// |scale| of a normalisation, the largest slope of an activation.
        public var norm: Double
        /// The constraint's c, or an activation's nominal slope bound; nil: unconstrained.
        public var c: Double?
        /// The residual block whose body holds the layer; nil at the top level.
        public var block: String?
    }

    public struct Block: Sendable {
        public var name: String
        /// Π of the body's measured norms: a bound on Lip(g) (∞ when some body layer has no
        /// measured constant).
        public var lipschitz: Double
        /// Π of the body's c's when every layer is constrained.
        public var nominal: Double?
        /// Why the block is not guaranteed invertible; nil: Lip(g) < 1 (Thm. 4.1).
        public var problem: String?
    }

    public var rows: [Row] = []
    public var blocks: [Block] = []
    /// The first reason the model is not guaranteed invertible; nil: guaranteed (Thm. 4.1
    /// on the measured norms).
    public var notInvertible: String?

    /// Measures `model` with Float64 `variables` (a copy of the session's).
    public static func measure(_ model: Model, variables: VariableStore<Double>) -> LayerNorms {
        var result = LayerNorms()
        // Composed models are opened: their layers are measured in place, under their paths.
        for (index, opened) in model.root.openedLayers.enumerated() {
            let layer = opened.layer, path = opened.path, input = opened.inputShape
            if let residual = layer as? Residual {
                let bound = result.addBody(residual.body, block: path, prefix: opened.prefix, model: model, variables: variables)
                var problem: String? = nil
                if let projection = residual.projection {
                    result.add(projection, path: path + ".projection", input: input, block: path, model: model, variables: variables)
                    problem = "the body changes the shape, so the block is P(x) + g(x) with a learned projection P, which has no inverse"
                } else if !(bound.lipschitz < 1) {
                    problem = bound.lipschitz.isFinite
                        ? "the measured bound on Lip(g) is \(bound.lipschitz), not below 1 (Thm. 4.1)"
                        : "a layer of its body has no measured Lipschitz constant"
                }
                result.blocks.append(Block(name: path, lipschitz: bound.lipschitz, nominal: bound.nominal, problem: problem))
                if result.notInvertible == nil, let problem { result.notInvertible = "layer \(index + 1) (\(path)): \(problem)" }
                continue
            }
            result.add(layer, path: path, input: input, block: nil, model: model, variables: variables)
            guard result.notInvertible == nil else { continue }
            if let invertible = layer as? InvertibleLayer {
                if let (_, _, detail) = invertible.flowViolation(for: .invertible) {
                    result.notInvertible = "layer \(index + 1) (\(path)): \(detail)"
                }
            } else {
                result.notInvertible = "layer \(index + 1) (\(path)): " + Flow.whyNotInvertible(layer)
            }
        }
        return result
    }

    /// Adds the rows of a residual body (nested sequences included) and returns the
    /// products of their measured and nominal constants.
    /// `prefix` goes before the body's own paths (a composed model's name, "feat.").
    mutating func addBody(_ body: Sequential, block: String, prefix: String = "", model: Model,
                          variables: VariableStore<Double>) -> (lipschitz: Double, nominal: Double?) {
        var lipschitz = 1.0
        var nominal: Double? = 1
        for (index, layer) in body.layers.enumerated() {
            let inner = (layer as? Sequential) ?? (layer as? ComposedModel)?.model.root
            if let inner {
                let innerPrefix = layer is ComposedModel ? prefix + body.paths[index] + "." : prefix
                let p = addBody(inner, block: block, prefix: innerPrefix, model: model, variables: variables)
                lipschitz *= p.lipschitz
                nominal = nominal.flatMap { n in p.nominal.map { n * $0 } }
                continue
            }
            if let row = add(layer, path: prefix + body.paths[index], input: body.inputShapes[index], block: block,
                             model: model, variables: variables) {
                lipschitz *= row.norm
                nominal = nominal.flatMap { n in row.c.map { n * $0 } }
            } else if !Self.isIsometry(layer) {
                lipschitz = .infinity
                nominal = nil
            }
        }
        return (lipschitz, nominal)
    }

    /// Measures one layer and appends its row; nil for layers with no constant to report
    /// (shape layers, pooling).
    @discardableResult
    mutating func add(_ layer: Layer, path: String, input: [Int], block: String?, model: Model,
                      variables: VariableStore<Double>) -> Row? {
        let row: Row
        if let local = layer as? LocallyConnected {
            row = Row(name: path, kind: layer.kind, norm: LinearLayerNorm.measure(local, inputShape: input, variables: variables),
                      c: nil, block: block)
        } else if let bounded = layer as? LipschitzBounded, !Self.isIsometry(layer) {
            row = Row(name: path, kind: layer.kind, norm: bounded.measuredLipschitz(variables).norm, c: bounded.nominalLipschitz, block: block)
        } else {
            return nil
        }
        rows.append(row)
        return row
    }

    /// Layers that only move values around (norm 1, nothing to measure).
    static func isIsometry(_ layer: Layer) -> Bool {
        layer is Flatten || layer is Reshape || layer is Dropout || layer is Squeeze || layer is Unsqueeze || layer is PadChannels
    }
}
