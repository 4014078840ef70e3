/// Elementwise functions of one tensor. Each case pairs its forward formula with its
/// derivative written as graph operations, so every derivative is differentiable again.
public enum UnaryFunction: Sendable, Equatable {
    case negate, exp, log, tanh, sigmoid, relu, abs, sqrt, square, reciprocal, softplus
    /// 1 where x > 0, else 0 (the derivative of relu; its own derivative is 0).
    case step
    /// −1, 0 or +1 (the derivative of abs).
    case sign
    /// x if x > 0 else α·x.
    case leakyRelu(Double)
    /// 1 if x > 0 else α (the derivative of leaky relu).
    case leakyStep(Double)
    /// x if x > 0 else α·(eˣ − 1).
    case elu(Double)
    /// 1 if x > 0 else α·eˣ (the derivative of elu).
    case eluDerivative(Double)
    /// 0 if x > 0 else α·eˣ (the second derivative of elu, its own derivative).
    case eluSecondDerivative(Double)
    /// xᵖ for a constant p.
    case power(Double)
    /// c·x.
    case scale(Double)
    /// x + c.
    case shift(Double)
    /// ⌊x⌋, x rounded to the nearest whole number (ties to even, as NumPy, PyTorch and JAX
    /// round), and x rounded toward zero. Piecewise constant: their derivative is 0 almost
    /// everywhere, and like PyTorch and JAX the gradient is taken as 0 everywhere.
    case floor, round, truncate

    var name: String {
        switch self {
        case .negate: "neg"; case .exp: "exp"; case .log: "log"; case .tanh: "tanh"
        case .sigmoid: "sigmoid"; case .relu: "relu"; case .abs: "abs"; case .sqrt: "sqrt"
        case .square: "square"; case .reciprocal: "reciprocal"; case .softplus: "softplus"
        case .step: "step"; case .sign: "sign"; case .leakyRelu: "leaky_relu"
        case .leakyStep: "leaky_step"; case .elu: "elu"; case .eluDerivative: "elu'"
        case .eluSecondDerivative: "elu''"; case .power: "pow"; case .scale: "scale"
        case .shift: "shift"
        case .floor: "floor"; case .round: "round"; case .truncate: "truncate"
        }
    }

    /// The forward formula for one number.
    @inline(__always)
    func callAsFunction<T: NetScalar>(_ x: T) -> T {
        switch self {
        case .negate: return -x
        case .exp: return T.exp(x)
        case .log: return T.log(x)
        case .tanh: return T.tanh(x)
        case .sigmoid: return 1 / (1 + T.exp(-x))
        case .relu: return x > 0 ? x : 0
        case .abs: return Swift.abs(x)
        case .sqrt: return x.squareRoot()
        case .square: return x * x
        case .reciprocal: return 1 / x
        case .softplus: return (x > 0 ? x : 0) + T.log1p(T.exp(-Swift.abs(x)))
        case .step: return x > 0 ? 1 : 0
        case .sign: return x > 0 ? 1 : (x < 0 ? -1 : 0)
        case let .leakyRelu(a): return x > 0 ? x : T(a) * x
        case let .leakyStep(a): return x > 0 ? 1 : T(a)
        case let .elu(a): return x > 0 ? x : T(a) * T.expm1(x)
        case let .eluDerivative(a): return x > 0 ? 1 : T(a) * T.exp(x)
        case let .eluSecondDerivative(a): return x > 0 ? 0 : T(a) * T.exp(x)
        case let .power(p): return T.pow(x, T(p))
        case let .scale(c): return T(c) * x
        case let .shift(c): return x + T(c)
        case .floor: return x.rounded(.down)
        case .round: return x.rounded(.toNearestOrEven)
        case .truncate: return x.rounded(.towardZero)
        }
    }

    /// d/dx applied to the cotangent g, as graph operations on x and the output y.
    func vjp(x: Node, y: Node, g: Node) -> Node? {
        switch self {
        case .negate: return -g
        case .exp: return g * y
        case .log: return g / x
        case .tanh: return g * (1 - y.square())
        case .sigmoid: return g * (y * (1 - y))
        case .relu: return g.scaled(by: .step, of: x)
        case .abs: return g * x.apply(.sign)
        case .sqrt: return g * 0.5 / y
        case .square: return g * x * 2
        case .reciprocal: return -(g * y.square())
        case .softplus: return g * x.sigmoid()
        case .step, .sign, .leakyStep, .floor, .round, .truncate: return nil
        case let .leakyRelu(a): return g.scaled(by: .leakyStep(a), of: x)
        case let .elu(a): return g.scaledByDerivative(.eluDerivative(a), of: x)
        case let .eluDerivative(a): return g.scaledByDerivative(.eluSecondDerivative(a), of: x)
        case let .eluSecondDerivative(a): return g.scaledByDerivative(.eluSecondDerivative(a), of: x)
        case let .power(p): return g * x.apply(.power(p - 1)) * p
        case let .scale(c): return g * c
        case .shift: return g
        }
    }
}

/// g ⊙ f(x) in one pass: the form every activation's vector-Jacobian product takes
/// (g ⊙ relu'(x), g ⊙ elu'(x), …). Fusing the multiplication halves the memory traffic of
/// the backward pass and of the nested vector-Jacobian products of the log-det series.
public struct ScaleByFunctionOp: Operation {
    public let function: UnaryFunction
    public var name: String { "mul_" + function.name }
    public func outputShape(_ inputs: [[Int]]) throws -> [Int] {
        guard inputs[0] == inputs[1] else { throw ShapeError("\(name): shapes \(inputs[0]) and \(inputs[1]) differ") }
        return inputs[0]
    }
    /// ∂/∂g = f(x) ⊙ h; ∂/∂x = h ⊙ g ⊙ f'(x), again fused when f' is a function of x alone.
    public func vjp(_ graph: Graph, inputs: [Node], output: Node, gradient h: Node) -> [Node?] {
        let x = inputs[0], g = inputs[1]
        let dg = h.scaledByDerivative(function, of: x)
        let fx = x.apply(function)
        let dx = function.vjp(x: x, y: fx, g: h * g)
        return [dx, dg]
    }
    @_specialize(where T == Float) @_specialize(where T == Double)
    public func makeKernel<T: NetScalar>(_ context: KernelContext<T>) -> Kernel {
        let x = context.inputs[0], g = context.inputs[1], y = context.output, n = context.outputCount
        switch function {
        case .step: return { parallelChunks(n) { r in for i in r { y[i] = x[i] > 0 ? g[i] : 0 } } }
        case let .leakyStep(a): let a = T(a); return { parallelChunks(n) { r in for i in r { y[i] = x[i] > 0 ? g[i] : a * g[i] } } }
        case let .eluDerivative(a):
            let a = T(a)
            return { parallelChunks(n) { r in for i in r { let v = x[i]; let e = a * T.fastExp(v) * g[i]; y[i] = v > 0 ? g[i] : e } } }
        case let .eluSecondDerivative(a):
            let a = T(a)
            return { parallelChunks(n) { r in for i in r { let v = x[i]; let e = a * T.fastExp(v) * g[i]; y[i] = v > 0 ? 0 : e } } }
        default:
            let f = function
            return { parallelChunks(n, minimumPerThread: 8192) { r in for i in r { y[i] = g[i] * f(x[i]) } } }
        }
    }
}

/// An elementwise function of one tensor.
public struct UnaryOp: Operation {
    public let function: UnaryFunction
    public var name: String { function.name }
    public func outputShape(_ inputs: [[Int]]) throws -> [Int] { inputs[0] }
    public func vjp(_ graph: Graph, inputs: [Node], output: Node, gradient: Node) -> [Node?] {
        [function.vjp(x: inputs[0], y: output, g: gradient)]
    }
    @_specialize(where T == Float) @_specialize(where T == Double)
    public func makeKernel<T: NetScalar>(_ context: KernelContext<T>) -> Kernel {
        let x = context.inputs[0], y = context.output, n = context.outputCount, f = function
        if let wide = f.wideEluKernel(x: x, y: y, count: n) { return wide }
        // Specialised loops for the hot activations so the compiler can vectorise them;
        // large tensors are split over the compute threads.
        switch f {
        case .relu: return { parallelChunks(n) { r in for i in r { y[i] = x[i] > 0 ? x[i] : 0 } } }
        case .step: return { parallelChunks(n) { r in for i in r { y[i] = x[i] > 0 ? 1 : 0 } } }
        case .square: return { parallelChunks(n) { r in for i in r { y[i] = x[i] * x[i] } } }
        case .negate: return { parallelChunks(n) { r in for i in r { y[i] = -x[i] } } }
        case let .scale(c): let c = T(c); return { parallelChunks(n) { r in for i in r { y[i] = c * x[i] } } }
        case let .shift(c): let c = T(c); return { parallelChunks(n) { r in for i in r { y[i] = x[i] + c } } }
        case .exp: return { parallelChunks(n) { r in for i in r { y[i] = T.fastExp(x[i]) } } }
        case .sigmoid: return { parallelChunks(n) { r in for i in r { y[i] = 1 / (1 + T.fastExp(-x[i])) } } }
        case let .elu(a):
            let a = T(a)
            return { parallelChunks(n) { r in for i in r { let v = x[i]; let e = a * (T.fastExp(v) - 1); y[i] = v > 0 ? v : e } } }
        case let .eluDerivative(a):
            let a = T(a)
            return { parallelChunks(n) { r in for i in r { let v = x[i]; let e = a * T.fastExp(v); y[i] = v > 0 ? 1 : e } } }
        case let .eluSecondDerivative(a):
            let a = T(a)
            return { parallelChunks(n) { r in for i in r { let v = x[i]; let e = a * T.fastExp(v); y[i] = v > 0 ? 0 : e } } }
        default: return { parallelChunks(n, minimumPerThread: 8192) { r in for i in r { y[i] = f(x[i]) } } }
        }
    }
}

extension Node {
    /// self ⊙ f(x), fused (see `ScaleByFunctionOp`).
    public func scaled(by f: UnaryFunction, of x: Node) -> Node {
        graph.apply(ScaleByFunctionOp(function: f), [x, self])
    }

    /// Applies an elementwise function.
    public func apply(_ f: UnaryFunction) -> Node { graph.apply(UnaryOp(function: f), [self]) }

    public func exp() -> Node { apply(.exp) }
    public func log() -> Node { apply(.log) }
    public func tanh() -> Node { apply(.tanh) }
    public func sigmoid() -> Node { apply(.sigmoid) }
    public func relu() -> Node { apply(.relu) }
    public func abs() -> Node { apply(.abs) }
    public func sqrt() -> Node { apply(.sqrt) }
    public func square() -> Node { apply(.square) }
    public func softplus() -> Node { apply(.softplus) }
    public func leakyRelu(_ slope: Double = 0.01) -> Node { apply(.leakyRelu(slope)) }
    public func elu(_ alpha: Double = 1) -> Node { apply(.elu(alpha)) }
    public func pow(_ p: Double) -> Node { apply(.power(p)) }
    public func floor() -> Node { apply(.floor) }
    public func rounded() -> Node { apply(.round) }
    public func truncated() -> Node { apply(.truncate) }

    /// LipSwish (Residual Flows, Chen et al. 2019): x·σ(β·x)/1.1 with β = softplus(b),
    /// 1-Lipschitz for every b. `b` is a (trainable) scalar node.
    public func lipSwish(_ b: Node) -> Node {
        let beta = b.softplus()
        return self * (self * beta).sigmoid() * (1 / 1.1)
    }

    public static prefix func - (x: Node) -> Node { x.apply(.negate) }
    public static func * (x: Node, c: Double) -> Node { c == 1 ? x : x.apply(.scale(c)) }
    public static func * (c: Double, x: Node) -> Node { x * c }
    public static func / (x: Node, c: Double) -> Node { x * (1 / c) }
    public static func + (x: Node, c: Double) -> Node { c == 0 ? x : x.apply(.shift(c)) }
    public static func + (c: Double, x: Node) -> Node { x + c }
    public static func - (x: Node, c: Double) -> Node { x + (-c) }
    public static func - (c: Double, x: Node) -> Node { (-x) + c }
    public static func / (c: Double, x: Node) -> Node { x.apply(.reciprocal) * c }
}
