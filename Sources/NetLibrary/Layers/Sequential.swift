import NetRuntime

/// Layers applied one after another.
public final class Sequential: Layer {
    public private(set) var layers: [Layer]
    /// Input shape of each layer, known after `build`.
    public private(set) var inputShapes: [[Int]] = []
    /// Each layer's path as parameter names use it, without the model's name
    /// ("residual3", "residual3.dense1"), known after `build`.
    public private(set) var paths: [String] = []

    public init(_ layers: [Layer]) { self.layers = layers }

    public var kind: String { "sequential" }
    public var children: [Layer] { layers }

    public func outputShape(for input: [Int]) throws -> [Int] {
        try layers.reduce(input) { try $1.outputShape(for: $0) }
    }

    public func build(_ builder: ModelBuilder, input: [Int]) throws {
        var shape = input
        inputShapes = []
        paths = []
        for layer in layers {
            inputShapes.append(shape)
            try builder.scope(layer.kind, layer: layer) {
                paths.append(builder.path)
                try layer.build(builder, input: shape)
            }
            shape = try layer.outputShape(for: shape)
            try ModelBuilder.checkOutputSize(shape, of: layer)
        }
    }

    public func apply(_ x: Node, _ context: ApplyContext) -> Node {
        layers.reduce(x) { $1.apply($0, context) }
    }
}
