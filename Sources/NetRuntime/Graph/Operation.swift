/// One kind of node in the graph IR: its shape rule, its forward kernel and its
/// vector-Jacobian product, side by side.
///
/// The vector-Jacobian product is written with graph operations (never with kernels),
/// so a gradient is itself a graph that can be differentiated again. That is what lets
/// the power-series log-determinant of thesis Alg. 2, built from vector-Jacobian
/// products, be trained by gradient descent (second-order autodiff).
public protocol Operation: Sendable {
    /// A short name for summaries and diagnostics ("matmul", "relu", …).
    var name: String { get }

    /// The output shape for the given input shapes; throws a `ShapeError` saying what
    /// was expected when the inputs do not fit.
    func outputShape(_ inputs: [[Int]]) throws -> [Int]

    /// The cotangents of the inputs given the cotangent `gradient` of the output, built
    /// from graph operations. `nil` marks an input that receives no gradient (integer
    /// labels, random numbers, the argument of a stop-gradient).
    func vjp(_ graph: Graph, inputs: [Node], output: Node, gradient: Node) -> [Node?]

    /// Builds the forward kernel once, at planning time. The closure it returns runs on
    /// every execution and must not allocate.
    func makeKernel<T: NetScalar>(_ context: KernelContext<T>) -> Kernel

    /// Whether the output is the first input's buffer, unchanged (reshape,
    /// stop-gradient): the executor then allocates nothing and runs no kernel.
    var aliasesFirstInput: Bool { get }

    /// The multiply-adds of one evaluation for these input shapes, for the ops whose time
    /// they dominate (products, dense layers, convolutions); nil for the others. Profiles
    /// turn it into a GFLOP/s rate (`Executor.profile`).
    func multiplyAdds(_ inputShapes: [[Int]]) -> Int?
}

extension Operation {
    public var aliasesFirstInput: Bool { false }
    public func multiplyAdds(_ inputShapes: [[Int]]) -> Int? { nil }
}

/// A planned step of execution.
public typealias Kernel = () -> Void

/// A shape that does not fit an operation.
public struct ShapeError: Error, CustomStringConvertible, Sendable {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// What a kernel is built from: the buffers of its inputs and output (fixed for the
/// executor's lifetime), their shapes, scratch space and the executor's random stream.
public struct KernelContext<T: NetScalar> {
    public let inputs: [UnsafeMutablePointer<T>]
    public let inputShapes: [[Int]]
    public let output: UnsafeMutablePointer<T>
    public let outputShape: [Int]
    /// The executor's random stream, shared by every random node in it.
    public let random: RandomStream
    /// Persistent scratch memory: allocated once at planning time and owned by the
    /// executor. Every call returns a fresh region, kept for this kernel alone (it may
    /// hold tables computed at planning time, or values carried between runs).
    public let workspace: (Int) -> UnsafeMutablePointer<T>
    /// Transient scratch memory, valid only while one run of this kernel lasts: every
    /// kernel's scratch lives in one buffer the executor shares between all kernels (they
    /// run one after another), sized for the largest. Use it for im2col columns and the
    /// like, so that memory does not grow with the number of kernels. Read
    /// `ScratchBuffer.pointer` inside the kernel: it is set when planning ends.
    public let scratch: (Int) -> ScratchBuffer<T>

    public var outputCount: Int { outputShape.reduce(1, *) }
    public func inputCount(_ i: Int) -> Int { inputShapes[i].reduce(1, *) }
}

/// A region of an executor's shared transient scratch memory (`KernelContext.scratch`).
public final class ScratchBuffer<T>: @unchecked Sendable {
    /// The region's start; valid inside the kernel once planning has finished.
    public internal(set) var pointer: UnsafeMutablePointer<T>
    let offset: Int
    public let count: Int
    init(offset: Int, count: Int) {
        self.offset = offset
        self.count = count
        pointer = UnsafeMutablePointer(bitPattern: 0x10)!   // replaced when planning ends
    }
}

/// A random generator shared by reference between the kernels of one executor.
public final class RandomStream: @unchecked Sendable {
    public var generator: RandomGenerator
    public init(seed: UInt64) { generator = RandomGenerator(seed: seed) }
}
