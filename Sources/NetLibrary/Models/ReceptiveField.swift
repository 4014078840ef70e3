import NetRuntime

/// The receptive field of a convolutional model: how many input positions (m/z bins for
/// spectra) can influence one position of a layer's output (Luo et al. 2016), per spatial
/// axis.
///
/// Walking the layers with r (the field, starting at 1) and j (the distance in input
/// positions between neighbouring outputs, starting at 1): a convolution, locally connected
/// layer or pooling window of size k and stride s gives r ← r + (k − 1)·j, j ← j·s.
/// Activations, dropout and normalisation change neither. A residual block takes the
/// larger field of its two branches (the body, and the identity or 1-wide projection,
/// which keeps r). The walk stops at the first layer that mixes all positions (flatten,
/// dense, global pooling, reshape, squeeze): beyond it every output sees the whole input.
public struct ReceptiveField: Sendable, Equatable {
    /// The field size r in input positions.
    public var size: Int
    /// The jump j: input positions between neighbouring outputs (the product of strides).
    public var jump: Int
    /// The kind of the layer where the walk stopped, or nil if it went through every layer.
    public var stoppedAt: String?

    public init(size: Int = 1, jump: Int = 1, stoppedAt: String? = nil) {
        self.size = size; self.jump = jump; self.stoppedAt = stoppedAt
    }

    /// The field after the first `layers` top-level layers of `model` (all by default).
    public static func of(_ model: Model, layers: Int? = nil) -> ReceptiveField {
        var field = ReceptiveField()
        field.walk(Array(model.root.layers.prefix(layers ?? model.root.layers.count)))
        return field
    }

    /// Advances through `layers`; returns false where a global layer stopped the walk.
    @discardableResult
    mutating func walk(_ layers: [Layer]) -> Bool {
        for layer in layers where !step(layer) { return false }
        return true
    }

    private mutating func window(_ k: Int, _ s: Int) {
        size += (k - 1) * jump
        jump *= s
    }

    private mutating func step(_ layer: Layer) -> Bool {
        switch layer {
        case let conv as Convolution: window(conv.kernel, conv.stride)
        case let lc as LocallyConnected: window(lc.kernel, lc.stride)
        case let pool as Pooling: window(pool.kernel, pool.stride)
        case let seq as Sequential: return walk(seq.layers)
        case let composed as ComposedModel: return walk(composed.model.root.layers)
        case let block as Residual:
            var body = self
            let through = body.walk(block.body.layers)
            var shortcut = self
            if let projection = block.projection { _ = shortcut.step(projection) }
            guard through else { self = body; return false }
            size = max(body.size, shortcut.size)
            jump = body.jump
        case is Flatten, is Dense, is GlobalAveragePooling, is Reshape, is Squeeze, is Unsqueeze:
            stoppedAt = layer.kind
            return false
        default: break   // activations, dropout, normalisation, channel padding
        }
        return true
    }
}
