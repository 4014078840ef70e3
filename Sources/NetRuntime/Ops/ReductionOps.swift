/// The maximum of a tensor over the dimensions where `shape` has size 1 (keeping them).
/// A NaN among the values makes the maximum NaN, as in PyTorch and NumPy
/// (`replacesMaximum`), so max(|x − x̂|) never reports a finite error for NaNs.
public struct MaxToShapeOp: Operation {
    public let shape: [Int]
    public var name: String { "max" }
    public func outputShape(_ inputs: [[Int]]) throws -> [Int] {
        guard shape.count == inputs[0].count, broadcastShapes(shape, inputs[0]) == inputs[0] else {
            throw ShapeError("cannot reduce \(inputs[0]) to \(shape)")
        }
        return shape
    }
    /// The gradient goes to the maximal entries, split evenly between ties (as PyTorch's amax).
    public func vjp(_ graph: Graph, inputs: [Node], output: Node, gradient: Node) -> [Node?] {
        let x = inputs[0]
        let mask = graph.apply(EqualMaskOp(), [x, output])
        let ties = mask.summed(to: shape)
        return [mask * (gradient / ties).broadcast(to: x.shape)]
    }
    @_specialize(where T == Float) @_specialize(where T == Double)
    public func makeKernel<T: NetScalar>(_ context: KernelContext<T>) -> Kernel {
        let x = context.inputs[0], y = context.output, m = context.outputCount
        let loop = StridedLoop(shape: context.inputShapes[0], operands: [shape])
        let sy = loop.innerStride(1)
        return {
            for i in 0..<m { y[i] = -T.infinity }
            loop.forEachRun { n, off in
                let xo = x + off[0], yo = y + off[1]
                if sy == 0 {
                    var acc = yo[0]
                    for i in 0..<n where xo[i].replacesMaximum(acc) { acc = xo[i] }
                    yo[0] = acc
                } else {
                    for i in 0..<n where xo[i].replacesMaximum(yo[i]) { yo[i] = xo[i] }
                }
            }
        }
    }
}

/// 1 where a == b (broadcasting), else 0; not differentiable.
public struct EqualMaskOp: Operation {
    public var name: String { "equal" }
    public func outputShape(_ inputs: [[Int]]) throws -> [Int] {
        guard let s = broadcastShapes(inputs[0], inputs[1]) else {
            throw ShapeError("shapes \(inputs[0]) and \(inputs[1]) do not broadcast")
        }
        return s
    }
    public func vjp(_ graph: Graph, inputs: [Node], output: Node, gradient: Node) -> [Node?] { [nil, nil] }
    @_specialize(where T == Float) @_specialize(where T == Double)
    public func makeKernel<T: NetScalar>(_ context: KernelContext<T>) -> Kernel {
        let a = context.inputs[0], b = context.inputs[1], y = context.output
        let loop = StridedLoop(shape: context.outputShape, operands: context.inputShapes)
        let sa = loop.innerStride(1), sb = loop.innerStride(2)
        return {
            loop.forEachRun { n, off in
                let yo = y + off[0], ao = a + off[1], bo = b + off[2]
                for i in 0..<n { yo[i] = ao[i * sa] == bo[i * sb] ? 1 : 0 }
            }
        }
    }
}

/// x where x is finite, else 0; not differentiable. The shift of a stable log-sum-exp:
/// shifting by an infinite maximum made x − m = ∞ − ∞ = NaN.
public struct FiniteOrZeroOp: Operation {
    public var name: String { "finite_or_zero" }
    public func outputShape(_ inputs: [[Int]]) throws -> [Int] { inputs[0] }
    public func vjp(_ graph: Graph, inputs: [Node], output: Node, gradient: Node) -> [Node?] { [nil] }
    @_specialize(where T == Float) @_specialize(where T == Double)
    public func makeKernel<T: NetScalar>(_ context: KernelContext<T>) -> Kernel {
        let x = context.inputs[0], y = context.output, n = context.outputCount
        return { for i in 0..<n { y[i] = x[i].isFinite ? x[i] : 0 } }
    }
}

extension Node {
    private func normalizedAxes(_ axes: [Int]?) -> [Int] {
        guard let axes else { return Array(0..<rank) }
        return axes.map { $0 < 0 ? $0 + rank : $0 }
    }

    private func keptShape(_ axes: [Int]) -> [Int] {
        shape.enumerated().map { axes.contains($0.offset) ? 1 : $0.element }
    }

    private func dropped(_ axes: [Int]) -> [Int] {
        shape.enumerated().filter { !axes.contains($0.offset) }.map(\.element)
    }

    /// The sum over `axes` (all when nil).
    public func sum(axes: [Int]? = nil, keepDims: Bool = false) -> Node {
        let ax = normalizedAxes(axes)
        let kept = keptShape(ax)
        let s = kept == shape ? self : graph.apply(SumToShapeOp(shape: kept), [self])
        return keepDims ? s : s.reshaped(dropped(ax))
    }

    /// The mean over `axes` (all when nil).
    public func mean(axes: [Int]? = nil, keepDims: Bool = false) -> Node {
        let ax = normalizedAxes(axes)
        let n = ax.map { shape[$0] }.reduce(1, *)
        return sum(axes: ax, keepDims: keepDims) * (1 / Double(Swift.max(n, 1)))
    }

    /// The maximum over `axes` (all when nil).
    public func max(axes: [Int]? = nil, keepDims: Bool = false) -> Node {
        let ax = normalizedAxes(axes)
        let kept = keptShape(ax)
        let m = kept == shape ? self : graph.apply(MaxToShapeOp(shape: kept), [self])
        return keepDims ? m : m.reshaped(dropped(ax))
    }

    /// log Σ exp over `axes`, computed stably: m + log Σ exp(x − m) with m = max x held
    /// constant for differentiation (the result does not depend on m). An infinite maximum
    /// shifts by 0 instead, so all −∞ give −∞ and a +∞ gives +∞ (as PyTorch, SciPy), not NaN.
    public func logSumExp(axes: [Int]? = nil, keepDims: Bool = false) -> Node {
        let ax = normalizedAxes(axes)
        let m = graph.apply(FiniteOrZeroOp(), [max(axes: ax, keepDims: true)]).stoppingGradient
        let s = (self - m).exp().sum(axes: ax, keepDims: true).log() + m
        return keepDims ? s : s.reshaped(dropped(ax))
    }

    /// log softmax along `axis`.
    public func logSoftmax(axis: Int = -1) -> Node { self - logSumExp(axes: [axis], keepDims: true) }

    /// softmax along `axis`.
    public func softmax(axis: Int = -1) -> Node { logSoftmax(axis: axis).exp() }
}
