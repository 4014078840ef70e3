/// Elementwise arithmetic of two tensors with NumPy broadcasting.
public struct BinaryOp: Operation {
    /// `maximum` / `minimum` are NumPy's element-wise max / min (NaN propagates).
    public enum Function: String, Sendable { case add, subtract, multiply, divide, maximum, minimum }
    public let function: Function
    public var name: String { function.rawValue }

    public func outputShape(_ inputs: [[Int]]) throws -> [Int] {
        guard let s = broadcastShapes(inputs[0], inputs[1]) else {
            throw ShapeError("shapes \(inputs[0]) and \(inputs[1]) do not broadcast")
        }
        return s
    }

    public func vjp(_ graph: Graph, inputs: [Node], output: Node, gradient g: Node) -> [Node?] {
        let a = inputs[0], b = inputs[1]
        switch function {
        case .add: return [g.summed(to: a.shape), g.summed(to: b.shape)]
        case .subtract: return [g.summed(to: a.shape), (-g).summed(to: b.shape)]
        case .multiply: return [(g * b).summed(to: a.shape), (g * a).summed(to: b.shape)]
        case .divide: return [(g / b).summed(to: a.shape), (-(g * a) / b.square()).summed(to: b.shape)]
        case .maximum, .minimum:
            // The gradient goes to the larger (smaller) operand; at a tie it is split
            // evenly, as in PyTorch and JAX. sign(a − b) is piecewise constant, so the
            // second derivative is zero (no cotangent flows through it).
            let s = (a - b).apply(.sign) * (function == .maximum ? 0.5 : -0.5)
            return [(g * (s + 0.5)).summed(to: a.shape), (g * (-s + 0.5)).summed(to: b.shape)]
        }
    }

    @_specialize(where T == Float) @_specialize(where T == Double)
    public func makeKernel<T: NetScalar>(_ context: KernelContext<T>) -> Kernel {
        let a = context.inputs[0], b = context.inputs[1], y = context.output
        let loop = StridedLoop(shape: context.outputShape, operands: context.inputShapes)
        let sa = loop.innerStride(1), sb = loop.innerStride(2)
        // One closure per (function, stride pattern): the inner loops then vectorise.
        func make<F: ScalarFunction2>(_: F.Type) -> Kernel {
            if loop.extents.count == 1 {
                let n = loop.extents[0]
                switch (sa, sb) {
                case (1, 1): return { parallelChunks(n) { r in for i in r { y[i] = F.apply(a[i], b[i]) } } }
                case (1, 0): return { let v = b[0]; parallelChunks(n) { r in for i in r { y[i] = F.apply(a[i], v) } } }
                case (0, 1): return { let v = a[0]; parallelChunks(n) { r in for i in r { y[i] = F.apply(v, b[i]) } } }
                default: return { y[0] = F.apply(a[0], b[0]) }
                }
            }
            return {
                loop.forEachRunInParallel { n, off in
                    let yo = y + off[0], ao = a + off[1], bo = b + off[2]
                    switch (sa, sb) {
                    case (1, 1): for i in 0..<n { yo[i] = F.apply(ao[i], bo[i]) }
                    case (1, 0): let v = bo[0]; for i in 0..<n { yo[i] = F.apply(ao[i], v) }
                    case (0, 1): let v = ao[0]; for i in 0..<n { yo[i] = F.apply(v, bo[i]) }
                    default: let v = F.apply(ao[0], bo[0]); for i in 0..<n { yo[i] = v }
                    }
                }
            }
        }
        switch function {
        case .add: return make(AddFunction.self)
        case .subtract: return make(SubtractFunction.self)
        case .multiply: return make(MultiplyFunction.self)
        case .divide: return make(DivideFunction.self)
        case .maximum: return make(MaximumFunction.self)
        case .minimum: return make(MinimumFunction.self)
        }
    }
}

extension Node {
    public static func + (a: Node, b: Node) -> Node { a.graph.apply(BinaryOp(function: .add), [a, b]) }
    public static func - (a: Node, b: Node) -> Node { a.graph.apply(BinaryOp(function: .subtract), [a, b]) }
    public static func * (a: Node, b: Node) -> Node { a.graph.apply(BinaryOp(function: .multiply), [a, b]) }
    public static func / (a: Node, b: Node) -> Node { a.graph.apply(BinaryOp(function: .divide), [a, b]) }
    /// The element-wise maximum of two tensors, with broadcasting.
    public func maximum(_ other: Node) -> Node { graph.apply(BinaryOp(function: .maximum), [self, other]) }
    /// The element-wise minimum of two tensors, with broadcasting.
    public func minimum(_ other: Node) -> Node { graph.apply(BinaryOp(function: .minimum), [self, other]) }
}

/// A two-argument scalar function known at compile time, so generic loops specialise
/// and vectorise instead of calling through a closure.
protocol ScalarFunction2 { static func apply<T: NetScalar>(_ a: T, _ b: T) -> T }
enum AddFunction: ScalarFunction2 { @inline(__always) static func apply<T: NetScalar>(_ a: T, _ b: T) -> T { a + b } }
enum SubtractFunction: ScalarFunction2 { @inline(__always) static func apply<T: NetScalar>(_ a: T, _ b: T) -> T { a - b } }
enum MultiplyFunction: ScalarFunction2 { @inline(__always) static func apply<T: NetScalar>(_ a: T, _ b: T) -> T { a * b } }
enum DivideFunction: ScalarFunction2 { @inline(__always) static func apply<T: NetScalar>(_ a: T, _ b: T) -> T { a / b } }
enum MaximumFunction: ScalarFunction2 { @inline(__always) static func apply<T: NetScalar>(_ a: T, _ b: T) -> T { a != a || a > b ? a : b } }
enum MinimumFunction: ScalarFunction2 { @inline(__always) static func apply<T: NetScalar>(_ a: T, _ b: T) -> T { a != a || a < b ? a : b } }
