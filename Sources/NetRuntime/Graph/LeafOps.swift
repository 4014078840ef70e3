/// Leaves of the graph: values that no operation computes. Their buffers are owned by
/// the executor (inputs, constants) or by a `VariableStore` (variables); the executor
/// recognises them and runs no kernel for them.

/// A value supplied at each execution.
public struct InputOp: Operation {
    public let label: String
    public let shape: [Int]
    public init(label: String, shape: [Int]) { self.label = label; self.shape = shape }
    public var name: String { "input \(label)" }
    public func outputShape(_ inputs: [[Int]]) throws -> [Int] { shape }
    public func vjp(_ graph: Graph, inputs: [Node], output: Node, gradient: Node) -> [Node?] { [] }
    @_specialize(where T == Float) @_specialize(where T == Double)
    public func makeKernel<T: NetScalar>(_ context: KernelContext<T>) -> Kernel { {} }
}

/// Persistent state: a parameter or a buffer (e.g. a power-iteration vector).
public struct VariableOp: Operation {
    public let label: String
    public let shape: [Int]
    public let trainable: Bool
    public init(label: String, shape: [Int], trainable: Bool) { self.label = label; self.shape = shape; self.trainable = trainable }
    public var name: String { "variable \(label)" }
    public func outputShape(_ inputs: [[Int]]) throws -> [Int] { shape }
    public func vjp(_ graph: Graph, inputs: [Node], output: Node, gradient: Node) -> [Node?] { [] }
    @_specialize(where T == Float) @_specialize(where T == Double)
    public func makeKernel<T: NetScalar>(_ context: KernelContext<T>) -> Kernel { {} }
}

/// A constant tensor, copied into the executor's precision once at planning time.
public struct ConstantOp: Operation {
    public let value: Tensor<Double>
    public init(value: Tensor<Double>) { self.value = value }
    public var name: String { "constant" }
    public func outputShape(_ inputs: [[Int]]) throws -> [Int] { value.shape }
    public func vjp(_ graph: Graph, inputs: [Node], output: Node, gradient: Node) -> [Node?] { [] }
    @_specialize(where T == Float) @_specialize(where T == Double)
    public func makeKernel<T: NetScalar>(_ context: KernelContext<T>) -> Kernel { {} }
}

/// Fresh random numbers at every execution (Hutchinson probes, dropout masks, noise).
/// Without a seed the node draws from its executor's stream (shared by every unseeded
/// random node of that executor, seeded when the executor is planned); with one it owns a
/// stream that starts at that seed when the executor is planned, so a seeded node gives
/// the same sequence of draws in every executor that runs it.
public struct RandomOp: Operation {
    public enum Distribution: Sendable, Equatable {
        case normal(mean: Double, std: Double)
        case uniform(low: Double, high: Double)
        case rademacher
        /// Inverted-dropout mask: 1/keep with probability keep, else 0.
        case bernoulliMask(keep: Double)
        /// 1 with probability p, else 0.
        case bernoulli(p: Double)
    }
    public let distribution: Distribution
    public let shape: [Int]
    public let seed: UInt64?
    public init(distribution: Distribution, shape: [Int], seed: UInt64? = nil) {
        self.distribution = distribution; self.shape = shape; self.seed = seed
    }
    public var name: String { "random" }
    public func outputShape(_ inputs: [[Int]]) throws -> [Int] { shape }
    public func vjp(_ graph: Graph, inputs: [Node], output: Node, gradient: Node) -> [Node?] { [] }
    @_specialize(where T == Float) @_specialize(where T == Double)
    public func makeKernel<T: NetScalar>(_ context: KernelContext<T>) -> Kernel {
        let out = context.output, n = context.outputCount, stream = seed.map { RandomStream(seed: $0) } ?? context.random
        switch distribution {
        case let .normal(mean, std):
            let scratch = NormalScratch()   // owned by the kernel: nothing allocated per step
            return { stream.generator.fillNormalBlocked(out, count: n, mean: mean, std: std, scratch: scratch.pointer) }
        case let .uniform(low, high): return { stream.generator.fillUniform(out, count: n, low: low, high: high) }
        case .rademacher: return { stream.generator.fillRademacher(out, count: n) }
        case let .bernoulliMask(keep): return { stream.generator.fillBernoulliMask(out, count: n, keep: keep) }
        case let .bernoulli(p): return { stream.generator.fillBernoulli(out, count: n, p: p) }
        }
    }
}

/// The uniforms of one block of `RandomGenerator.fillNormalBlocked`, allocated once per
/// planned kernel.
private final class NormalScratch {
    let pointer = UnsafeMutablePointer<Double>.allocate(capacity: RandomGenerator.normalBlockScratch)
    deinit { pointer.deallocate() }
}

/// The identity whose gradient is zero: u and v of a power iteration are constants for
/// differentiation (thesis eq. 4.9), as is the running maximum inside log-sum-exp.
public struct StopGradientOp: Operation {
    public var name: String { "stop_gradient" }
    public var aliasesFirstInput: Bool { true }
    public func outputShape(_ inputs: [[Int]]) throws -> [Int] { inputs[0] }
    public func vjp(_ graph: Graph, inputs: [Node], output: Node, gradient: Node) -> [Node?] { [nil] }
    @_specialize(where T == Float) @_specialize(where T == Double)
    public func makeKernel<T: NetScalar>(_ context: KernelContext<T>) -> Kernel { {} }
}

/// The same numbers with another shape of equal size (no copy).
public struct ReshapeOp: Operation {
    public let shape: [Int]
    public var name: String { "reshape" }
    public var aliasesFirstInput: Bool { true }
    public func outputShape(_ inputs: [[Int]]) throws -> [Int] {
        guard inputs[0].reduce(1, *) == shape.reduce(1, *) else {
            throw ShapeError("cannot reshape \(inputs[0]) (\(inputs[0].reduce(1, *)) elements) to \(shape) (\(shape.reduce(1, *)) elements)")
        }
        return shape
    }
    public func vjp(_ graph: Graph, inputs: [Node], output: Node, gradient: Node) -> [Node?] {
        [gradient.reshaped(inputs[0].shape)]
    }
    @_specialize(where T == Float) @_specialize(where T == Double)
    public func makeKernel<T: NetScalar>(_ context: KernelContext<T>) -> Kernel { {} }
}

extension Node {
    /// The same numbers with another shape; one dimension may be −1 (inferred).
    public func reshaped(_ shape: [Int]) -> Node {
        var shape = shape
        if let i = shape.firstIndex(of: -1) {
            let known = shape.enumerated().filter { $0.offset != i }.map(\.element).reduce(1, *)
            shape[i] = known == 0 ? 0 : count / known
        }
        if shape == self.shape { return self }
        return graph.apply(ReshapeOp(shape: shape), [self])
    }

    /// The same values as a new node (no copy): a derivative with respect to it follows only
    /// the paths that go through it, not other uses of this node (`grad` inside a loss).
    public var alias: Node { graph.apply(ReshapeOp(shape: shape), [self]) }

    /// This value, treated as a constant by differentiation.
    public var stoppingGradient: Node { graph.apply(StopGradientOp(), [self]) }
}

extension Graph {
    /// Fresh random numbers of the given shape at every execution.
    public func random(_ distribution: RandomOp.Distribution, shape: [Int], seed: UInt64? = nil) -> Node {
        apply(RandomOp(distribution: distribution, shape: shape, seed: seed), [])
    }
}

extension Node {
    /// Inverted dropout in training mode: each element kept with probability 1 − p and
    /// scaled by 1/(1 − p), with a new mask at every execution.
    public func dropout(_ p: Double) -> Node {
        precondition(p >= 0 && p < 1, "dropout probability must be in [0, 1), got \(p)")
        if p == 0 { return self }
        return self * graph.random(.bernoulliMask(keep: 1 - p), shape: shape)
    }
}

/// A placeholder for an operation whose shapes did not fit (see `Graph.apply`); an
/// executor refuses to run a graph that needs one.
public struct InvalidOp: Operation {
    public let shape: [Int]
    public var name: String { "invalid" }
    public func outputShape(_ inputs: [[Int]]) throws -> [Int] { shape }
    public func vjp(_ graph: Graph, inputs: [Node], output: Node, gradient: Node) -> [Node?] { inputs.map { _ in nil } }
    public func makeKernel<T: NetScalar>(_ context: KernelContext<T>) -> Kernel {
        preconditionFailure("a graph with a shape error was executed")
    }
}
