import NetRuntime

/// A residual block y = x + g(x) (thesis eq. 4.1), or y = P(x) + g(x) with a learned
/// projection P when g changes the shape (the ResNets of chapter 7: a 1-wide convolution
/// with g's stride, or a dense map).
///
/// With a Lipschitz constraint c < 1 on every layer of g and 1-Lipschitz activations,
/// Lip(g) < 1 and the block is invertible (Thm. 4.1). In a flow (`context.logDet` set)
/// the block adds its per-sample log|det(I + J_g)| estimate (Sec. 5.2).
public final class Residual: Layer {
    public let body: Sequential
    public private(set) var projection: Layer?

    public init(_ layers: [Layer]) { body = Sequential(layers) }

    public var kind: String { "residual" }
    public var details: String { projection == nil ? "" : "projection" }
    public var children: [Layer] { [body] + (projection.map { [$0] } ?? []) }

    public func outputShape(for input: [Int]) throws -> [Int] { try body.outputShape(for: input) }

    /// The block's path in the model that built it ("residual2"), known after `build`.
    public private(set) var path = ""

    public func build(_ builder: ModelBuilder, input: [Int]) throws {
        path = builder.path
        try body.build(builder, input: input)
        let output = try body.outputShape(for: input)
        if output != input {
            projection = try Self.makeProjection(from: input, to: output)
            try builder.scope("projection", layer: projection) { try projection!.build(builder, input: input) }
        }
    }

    /// A shortcut that maps the input shape onto the body's output shape.
    static func makeProjection(from input: [Int], to output: [Int]) throws -> Layer {
        switch (input.count, output.count) {
        case (1, 1): return Dense(units: output[0])
        case (2, 2):
            let stride = max(1, (input[1] - 1) / max(output[1] - 1, 1))
            return try Convolution(dimensions: 1, channels: output[0], kernel: 1, stride: stride, padding: 0)
        case (3, 3):
            let stride = max(1, (input[1] - 1) / max(output[1] - 1, 1))
            return try Convolution(dimensions: 2, channels: output[0], kernel: 1, stride: stride, padding: 0)
        default:
            throw LayerError("a residual block maps \(input) to \(output); no projection shortcut fits — keep the rank")
        }
    }

    public func apply(_ x: Node, _ context: ApplyContext) -> Node {
        if let projection { return projection.apply(x, context) + body.apply(x, context) }
        guard let settings = context.logDet else { return identityPlusBody(x, context).output }
        let (y, logDet) = applyWithLogDet(x, context, settings: settings)
        if let logDet { context.addLogDet(logDet) }
        return y
    }

    /// x + g(x) and g(x), recording J_g when the context collects block Jacobians.
    func identityPlusBody(_ x: Node, _ context: ApplyContext) -> (output: Node, g: Node) {
        let g = body.apply(x, context)
        if context.collectsBlockJacobians { context.addBlockJacobian(x.graph.batchJacobian(of: g, wrt: x)) }
        return (x + g, g)
    }
}

/// The per-sample log|det(I + J_g(x))| of a residual block, by the chosen method.
public enum ResidualLogDet {
    public static func estimate(block g: Node, input x: Node, settings: LogDetSettings) -> Node {
        let graph = x.graph
        switch settings.method {
        case .powerSeries, .russianRoulette:
            let weights = settings.termWeights!
            var total: Node? = nil
            let count = settings.probeVectors?.count ?? max(1, settings.probes)
            for p in 0..<count {
                // Given probes (reproducible estimates) have the flow's input size; a block
                // of another size is refused by `Flow.check(probesFit:)` beforehand.
                let probe = settings.probeVectors.map { $0[p].reshaped(x.shape) }
                    ?? graph.random(settings.rademacher ? .rademacher : .normal(mean: 0, std: 1), shape: x.shape)
                let e = settings.gradient == .neumann
                    ? NeumannLogDetGradient.estimate(block: g, input: x, probe: probe, weights: weights)
                    : PowerSeriesLogDet.estimate(block: g, input: x, probe: probe, weights: weights)
                total = total.map { $0 + e } ?? e
            }
            return count == 1 ? total! : total! * (1 / Double(count))
        case .exact:
            return ExactLogDet.logAbsDet(identityPlus: g, input: x)
        }
    }
}
