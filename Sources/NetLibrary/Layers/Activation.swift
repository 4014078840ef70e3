import NetRuntime

/// A parameter-free elementwise activation (relu, elu, tanh, …).
public final class Activation: Layer {
    public let kind: String
    public let details: String
    /// The largest slope sup|f'|, its Lipschitz constant (nil: unknown).
    public let slope: Double?
    private let function: (Node) -> Node

    public init(kind: String, details: String = "", slope: Double? = nil, _ function: @escaping (Node) -> Node) {
        self.kind = kind
        self.details = details
        self.slope = slope
        self.function = function
    }

    public func outputShape(for input: [Int]) throws -> [Int] { input }
    public func apply(_ x: Node, _ context: ApplyContext) -> Node { function(x) }

    public static func relu() -> Activation { Activation(kind: "relu", slope: 1) { $0.relu() } }
    public static func tanh() -> Activation { Activation(kind: "tanh", slope: 1) { $0.tanh() } }
    public static func sigmoid() -> Activation { Activation(kind: "sigmoid", slope: 0.25) { $0.sigmoid() } }
    public static func softplus() -> Activation { Activation(kind: "softplus", slope: 1) { $0.softplus() } }
    public static func elu(_ alpha: Double = 1) -> Activation {
        // elu′ = α·eˣ below 0, 1 above: the slope is max(1, α).
        Activation(kind: "elu", details: alpha == 1 ? "" : "alpha \(alpha)", slope: Swift.max(1, abs(alpha))) { $0.elu(alpha) }
    }
    public static func leakyRelu(_ slope: Double = 0.01) -> Activation {
        Activation(kind: "leaky_relu", details: "slope \(slope)", slope: Swift.max(1, abs(slope))) { $0.leakyRelu(slope) }
    }
}

/// LipSwish (Residual Flows): x·σ(β·x)/1.1 with β = softplus(b) and b learned; 1-Lipschitz,
/// smooth, so an i-ResNet with it has a smooth log-determinant (App. A.2).
public final class LipSwish: Layer {
    public private(set) var b: Node?
    public init() {}
    public var kind: String { "lipswish" }
    public var parameters: [Node] { b.map { [$0] } ?? [] }
    public func outputShape(for input: [Int]) throws -> [Int] { input }
    public func build(_ builder: ModelBuilder, input: [Int]) throws {
        b = try builder.parameter("beta", Tensor(0.5))
    }
    public func apply(_ x: Node, _ context: ApplyContext) -> Node { x.lipSwish(b!) }
}
