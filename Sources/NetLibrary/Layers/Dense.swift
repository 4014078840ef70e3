import NetRuntime

/// A fully connected layer y = x·Wᵀ + b on flat inputs [features] → [units]
/// (W [units, features], PyTorch's layout and initialisation).
public final class Dense: Layer {
    public let units: Int
    public let useBias: Bool
    public var constraint: LipschitzConstraint?
    /// This layer's initialisation scheme; nil: the model's.
    public var initialization: WeightInitialization?
    public private(set) var weight: Node?
    public private(set) var bias: Node?
    private var vector: Node?
    /// The power-iteration vector u of the Lipschitz constraint (state, not trained).
    public var vectorVariable: Node? { vector }

    public init(units: Int, useBias: Bool = true, constraint: LipschitzConstraint? = nil) {
        self.units = units
        self.useBias = useBias
        self.constraint = constraint
    }

    public var kind: String { "dense" }
    public var details: String { "\(units)" + (constraint.map { ", \($0)" } ?? "") }
    public var parameters: [Node] { [weight, bias].compactMap { $0 } }

    public func outputShape(for input: [Int]) throws -> [Int] {
        guard input.count == 1 else {
            throw LayerError("dense expects a flat input [features], got \(input); put flatten before it")
        }
        return [units]
    }

    public func build(_ builder: ModelBuilder, input: [Int]) throws {
        let fanIn = input[0]
        weight = try builder.weightParameter("weight", shape: [units, fanIn], fanIn: fanIn, fanOut: units, scheme: initialization)
        if useBias { bias = try builder.biasParameter("bias", shape: [units], fanIn: fanIn, scheme: initialization) }
        if let constraint {
            // Exact start: u = the top left singular vector of the initial weight, so the
            // constraint holds from the first step (eq. 4.9 with a converged σ̂).
            // Random start: a random unit vector, as the reference implementations.
            let u0 = constraint.start == .random || !builder.computesStartValues ? nil : builder.graph.initialValue(of: weight!)
                .flatMap { try? svd($0) }.map { r in Tensor(shape: [units], scalars: (0..<units).map { r.u[$0, 0] }) }
            vector = try builder.stateVector("u", shape: [units], initial: u0)
        }
    }

    public func apply(_ x: Node, _ context: ApplyContext) -> Node {
        var w = weight!
        if let constraint, let vector { w = constraint.apply(to: w, vector: vector, context) }
        if let bias { return x.linear(w, bias: bias) }
        return x.matmul(w, transposeB: true)
    }
}
