/// Sums a tensor down to a shape it broadcasts from: the adjoint of broadcasting, used
/// by the vector-Jacobian products of every broadcasting operation.
public struct SumToShapeOp: Operation {
    public let shape: [Int]
    public var name: String { "sum_to" }
    public func outputShape(_ inputs: [[Int]]) throws -> [Int] {
        guard broadcastShapes(shape, inputs[0]) == inputs[0] else {
            throw ShapeError("cannot sum \(inputs[0]) to \(shape)")
        }
        return shape
    }
    public func vjp(_ graph: Graph, inputs: [Node], output: Node, gradient: Node) -> [Node?] {
        [gradient.broadcast(to: inputs[0].shape)]
    }
    @_specialize(where T == Float) @_specialize(where T == Double)
    public func makeKernel<T: NetScalar>(_ context: KernelContext<T>) -> Kernel {
        let x = context.inputs[0], y = context.output, m = context.outputCount
        let loop = StridedLoop(shape: context.inputShapes[0], operands: [shape])
        let sy = loop.innerStride(1)
        @inline(__always) func accumulate(into out: UnsafeMutablePointer<T>, outer: Range<Int>?) {
            // Called directly from closure literals (non-escaping, so on the stack): a closure
            // stored in a local would be heap-allocated at every run in debug builds.
            func add(_ n: Int, _ off: UnsafePointer<Int>) {
                let xo = x + off[0], yo = out + off[1]
                if sy == 0 {
                    yo[0] += contiguousSum(xo, n)
                } else {
                    for i in 0..<n { yo[i] += xo[i] }
                }
            }
            if let outer { loop.forEachRun(outer: outer) { add($0, $1) } } else { loop.forEachRun { add($0, $1) } }
        }
        // A large input summed to a small shape (e.g. a bias gradient [N, C, L] → [C, 1]):
        // the outermost dimension is split between two threads, each summing into its own
        // partial result, added at the end.
        let total = context.inputShapes[0].reduce(1, *)
        let outer = loop.extents.count > 1 ? loop.extents[0] : 1
        if computeThreads > 1 && outer >= 2 && m <= 4096 && total >= 131_072 {
            let partials = context.workspace(2 * m)
            return {
                let size = (outer + 1) / 2
                parallelFor(2) { c in   // disjoint partial buffers
                    let part = partials + c * m
                    part.update(repeating: 0, count: m)
                    accumulate(into: part, outer: (c * size)..<Swift.min(outer, (c + 1) * size))
                }
                for i in 0..<m { y[i] = partials[i] + partials[m + i] }
            }
        }
        return {
            for i in 0..<m { y[i] = 0 }
            accumulate(into: y, outer: nil)
        }
    }
}

/// Repeats a tensor along the dimensions where it has size 1 (NumPy broadcasting).
public struct BroadcastToOp: Operation {
    public let shape: [Int]
    public var name: String { "broadcast_to" }
    public func outputShape(_ inputs: [[Int]]) throws -> [Int] {
        guard broadcastShapes(inputs[0], shape) == shape else {
            throw ShapeError("cannot broadcast \(inputs[0]) to \(shape)")
        }
        return shape
    }
    public func vjp(_ graph: Graph, inputs: [Node], output: Node, gradient: Node) -> [Node?] {
        [gradient.summed(to: inputs[0].shape)]
    }
    @_specialize(where T == Float) @_specialize(where T == Double)
    public func makeKernel<T: NetScalar>(_ context: KernelContext<T>) -> Kernel {
        let x = context.inputs[0], y = context.output
        let loop = StridedLoop(shape: shape, operands: [context.inputShapes[0]])
        let sx = loop.innerStride(1)
        return {
            loop.forEachRun { n, off in
                let yo = y + off[0], xo = x + off[1]
                if sx == 0 { let v = xo[0]; for i in 0..<n { yo[i] = v } } else { for i in 0..<n { yo[i] = xo[i] } }
            }
        }
    }
}

extension Node {
    /// This tensor summed down to `shape` (no-op when the shapes agree).
    public func summed(to shape: [Int]) -> Node {
        if shape == self.shape { return self }
        // A leading-ones difference only changes the shape: reshape after summing.
        var target = shape
        while target.count < rank { target.insert(1, at: 0) }
        let summed = target == self.shape ? self : graph.apply(SumToShapeOp(shape: target), [self])
        return summed.reshaped(shape)
    }

    /// This tensor repeated to `shape` (no-op when the shapes agree).
    public func broadcast(to shape: [Int]) -> Node {
        if shape == self.shape { return self }
        return graph.apply(BroadcastToOp(shape: shape), [self])
    }
}

/// Σ p[0..<n] with four SIMD8 accumulators (a scalar loop cannot vectorise a floating-point
/// sum: it would have to reorder the additions, so it is latency-bound, ~4× slower).
@inline(__always)
func contiguousSum<T: NetScalar>(_ p: UnsafePointer<T>, _ n: Int) -> T {
    var a0 = SIMD8<T>(), a1 = SIMD8<T>(), a2 = SIMD8<T>(), a3 = SIMD8<T>()
    let raw = UnsafeRawPointer(p)
    let stride = MemoryLayout<T>.stride
    var i = 0
    while i + 32 <= n {
        a0 += raw.loadUnaligned(fromByteOffset: i * stride, as: SIMD8<T>.self)
        a1 += raw.loadUnaligned(fromByteOffset: (i + 8) * stride, as: SIMD8<T>.self)
        a2 += raw.loadUnaligned(fromByteOffset: (i + 16) * stride, as: SIMD8<T>.self)
        a3 += raw.loadUnaligned(fromByteOffset: (i + 24) * stride, as: SIMD8<T>.self)
        i += 32
    }
    while i + 8 <= n {
        a0 += raw.loadUnaligned(fromByteOffset: i * stride, as: SIMD8<T>.self)
        i += 8
    }
    var total = ((a0 + a1) + (a2 + a3)).sum()
    while i < n { total += p[i]; i += 1 }
    return total
}

import Dispatch
