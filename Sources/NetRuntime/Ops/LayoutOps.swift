/// Operations that move numbers without arithmetic: permutation of axes, slicing, and
/// concatenation. Each is the adjoint of another one here, so their gradients of any
/// order stay within this file.

/// Reorders axes: output axis d is input axis `permutation[d]`.
public struct PermuteOp: Operation {
    public let permutation: [Int]
    public var name: String { "permute" }
    public func outputShape(_ inputs: [[Int]]) throws -> [Int] {
        guard permutation.sorted() == Array(0..<inputs[0].count) else {
            throw ShapeError("\(permutation) is not a permutation of the \(inputs[0].count) axes of \(inputs[0])")
        }
        return permutation.map { inputs[0][$0] }
    }
    public func vjp(_ graph: Graph, inputs: [Node], output: Node, gradient: Node) -> [Node?] {
        var inverse = permutation
        for (d, p) in permutation.enumerated() { inverse[p] = d }
        return [gradient.permuted(inverse)]
    }
    @_specialize(where T == Float) @_specialize(where T == Double)
    public func makeKernel<T: NetScalar>(_ context: KernelContext<T>) -> Kernel {
        let x = context.inputs[0], y = context.output
        let inStrides = contiguousStrides(context.inputShapes[0])
        let loop = StridedLoop(extents: context.outputShape,
                               strides: [contiguousStrides(context.outputShape), permutation.map { inStrides[$0] }])
        let sx = loop.innerStride(1)
        return { loop.forEachRun { n, off in let yo = y + off[0], xo = x + off[1]; for i in 0..<n { yo[i] = xo[i * sx] } } }
    }
}

/// The part `start ..< start+length` of one axis.
public struct SliceOp: Operation {
    public let axis: Int, start: Int, length: Int
    public var name: String { "slice" }
    public func outputShape(_ inputs: [[Int]]) throws -> [Int] {
        let s = inputs[0]
        guard axis >= 0, axis < s.count, start >= 0, length >= 0, start + length <= s[axis] else {
            throw ShapeError("slice \(start)..<\(start + length) of axis \(axis) is outside \(s)")
        }
        var out = s; out[axis] = length
        return out
    }
    public func vjp(_ graph: Graph, inputs: [Node], output: Node, gradient: Node) -> [Node?] {
        [graph.apply(EmbedOp(axis: axis, start: start, fullLength: inputs[0].shape[axis]), [gradient])]
    }
    @_specialize(where T == Float) @_specialize(where T == Double)
    public func makeKernel<T: NetScalar>(_ context: KernelContext<T>) -> Kernel {
        let inStrides = contiguousStrides(context.inputShapes[0])
        let x = context.inputs[0] + start * inStrides[axis], y = context.output
        let loop = StridedLoop(extents: context.outputShape, strides: [contiguousStrides(context.outputShape), inStrides])
        let sy = loop.innerStride(0), sx = loop.innerStride(1)
        return { loop.forEachRun { n, off in stridedCopy(from: x + off[1], sx, to: y + off[0], sy, count: n) } }
    }
}

/// Zeros of a longer axis with the input placed at `start` (the adjoint of a slice).
public struct EmbedOp: Operation {
    public let axis: Int, start: Int, fullLength: Int
    public var name: String { "embed" }
    public func outputShape(_ inputs: [[Int]]) throws -> [Int] {
        var out = inputs[0]
        guard axis < out.count, start + out[axis] <= fullLength else { throw ShapeError("cannot embed \(inputs[0]) at \(start) in length \(fullLength)") }
        out[axis] = fullLength
        return out
    }
    public func vjp(_ graph: Graph, inputs: [Node], output: Node, gradient: Node) -> [Node?] {
        [gradient.slice(axis: axis, start: start, length: inputs[0].shape[axis])]
    }
    @_specialize(where T == Float) @_specialize(where T == Double)
    public func makeKernel<T: NetScalar>(_ context: KernelContext<T>) -> Kernel {
        let outStrides = contiguousStrides(context.outputShape)
        let x = context.inputs[0], y = context.output, total = context.outputCount
        let target = y + start * outStrides[axis]
        let loop = StridedLoop(extents: context.inputShapes[0], strides: [contiguousStrides(context.inputShapes[0]), outStrides])
        let sx = loop.innerStride(0), sy = loop.innerStride(1)
        return {
            y.update(repeating: 0, count: total)
            loop.forEachRun { n, off in stridedCopy(from: x + off[0], sx, to: target + off[1], sy, count: n) }
        }
    }
}

/// Inputs joined along one axis.
public struct ConcatOp: Operation {
    public let axis: Int
    public var name: String { "concat" }
    public func outputShape(_ inputs: [[Int]]) throws -> [Int] {
        guard var out = inputs.first, axis >= 0, axis < out.count else { throw ShapeError("concat needs inputs with axis \(axis)") }
        out[axis] = 0
        for s in inputs {
            var t = s; t[axis] = 0
            var o = out; o[axis] = 0
            guard t == o else { throw ShapeError("concat along axis \(axis): \(s) does not match \(inputs[0])") }
            out[axis] += s[axis]
        }
        return out
    }
    public func vjp(_ graph: Graph, inputs: [Node], output: Node, gradient: Node) -> [Node?] {
        var start = 0
        return inputs.map { x in
            defer { start += x.shape[axis] }
            return gradient.slice(axis: axis, start: start, length: x.shape[axis])
        }
    }
    @_specialize(where T == Float) @_specialize(where T == Double)
    public func makeKernel<T: NetScalar>(_ context: KernelContext<T>) -> Kernel {
        let outStrides = contiguousStrides(context.outputShape)
        var parts: [(UnsafeMutablePointer<T>, UnsafeMutablePointer<T>, StridedLoop)] = []
        var start = 0
        for (x, s) in zip(context.inputs, context.inputShapes) {
            parts.append((x, context.output + start * outStrides[axis],
                          StridedLoop(extents: s, strides: [contiguousStrides(s), outStrides])))
            start += s[axis]
        }
        return {
            for (x, target, loop) in parts {
                let sx = loop.innerStride(0), sy = loop.innerStride(1)
                loop.forEachRun { n, off in stridedCopy(from: x + off[0], sx, to: target + off[1], sy, count: n) }
            }
        }
    }
}

extension Node {
    /// Axes reordered: output axis d is axis `permutation[d]` of this tensor.
    public func permuted(_ permutation: [Int]) -> Node {
        if permutation == Array(0..<rank) { return self }
        return graph.apply(PermuteOp(permutation: permutation), [self])
    }

    /// The matrix transpose (last two axes swapped).
    public var transposed: Node {
        var p = Array(0..<rank); p.swapAt(rank - 1, rank - 2)
        return permuted(p)
    }

    /// The part `start ..< start+length` of `axis`.
    public func slice(axis: Int, start: Int, length: Int) -> Node {
        let axis = axis < 0 ? axis + rank : axis
        if start == 0 && length == shape[axis] { return self }
        return graph.apply(SliceOp(axis: axis, start: start, length: length), [self])
    }

    /// Splits `axis` into parts of the given sizes (e.g. logits and nuisance variables).
    public func split(axis: Int, sizes: [Int]) -> [Node] {
        var start = 0
        return sizes.map { n in defer { start += n }; return slice(axis: axis, start: start, length: n) }
    }

    /// Zero channels appended along axis 1: the injective padding of thesis App. A.1,
    /// which lets an invertible network work in more dimensions than its input.
    public func paddingChannels(_ extra: Int) -> Node {
        graph.apply(EmbedOp(axis: 1, start: 0, fullLength: shape[1] + extra), [self])
    }

    /// The inverse of `paddingChannels`: the first `channels` channels.
    public func droppingPaddedChannels(keeping channels: Int) -> Node { slice(axis: 1, start: 0, length: channels) }

    /// Space-to-depth with factor f: [N, C, H, W] → [N, C·f², H/f, W/f], the invertible
    /// down-sampling ("squeeze") of thesis App. A.1 (i-RevNet's ordering: output channel
    /// (i·f + j)·C + c holds x[c, f·h + i, f·w + j]).
    public func squeezed(_ f: Int = 2) -> Node {
        let (n, c, h, w) = (shape[0], shape[1], shape[2], shape[3])
        precondition(h % f == 0 && w % f == 0, "squeeze(\(f)) needs H and W divisible by \(f), got \(shape)")
        return reshaped([n, c, h / f, f, w / f, f]).permuted([0, 3, 5, 1, 2, 4]).reshaped([n, c * f * f, h / f, w / f])
    }

    /// Depth-to-space, the exact inverse of `squeezed`.
    public func unsqueezed(_ f: Int = 2) -> Node {
        let (n, cf, h, w) = (shape[0], shape[1], shape[2], shape[3])
        let c = cf / (f * f)
        return reshaped([n, f, f, c, h, w]).permuted([0, 3, 4, 1, 5, 2]).reshaped([n, c, h * f, w * f])
    }
}

/// Concatenation of nodes along an axis.
public func concat(_ nodes: [Node], axis: Int) -> Node {
    precondition(!nodes.isEmpty)
    if nodes.count == 1 { return nodes[0] }
    let rank = nodes[0].rank
    return nodes[0].graph.apply(ConcatOp(axis: axis < 0 ? axis + rank : axis), nodes)
}

/// Copies n numbers between strided runs (a plain memory copy when both are contiguous).
@inline(__always)
func stridedCopy<T>(from x: UnsafeMutablePointer<T>, _ sx: Int, to y: UnsafeMutablePointer<T>, _ sy: Int, count n: Int) {
    if sx == 1 && sy == 1 { y.update(from: x, count: n) } else { for i in 0..<n { y[i * sy] = x[i * sx] } }
}
