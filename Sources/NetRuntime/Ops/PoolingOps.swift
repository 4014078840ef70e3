/// Max and average pooling as graph operations, on the kernels of Kernels/Pooling.swift,
/// for 2-D data [N, C, H, W] and 1-D data [N, C, L] (height 1).
///
/// Gradients of any order stay within this file:
///   y = maxPool(x):              dx = maxPoolBackward(x, g)
///   dx = maxPoolBackward(x, dy): d dy = maxPoolSelect(x, h), and nothing for x (the
///                                argmax is piecewise constant in x)
///   s = maxPoolSelect(x, h):     d h = maxPoolBackward(x, g), nothing for x
///   y = avgPool(x):              dx = avgPoolBackward(g)
///   dx = avgPoolBackward(dy):    d dy = avgPool(h)
/// Global average pooling is a mean over the spatial axes (`globalAveragePooled`).

/// Window, stride and padding of a pooling along height and width (1, 1, 0 for 1-D data).
public struct PoolWindow: Hashable, Sendable, CustomStringConvertible {
    public let kernelHeight: Int, kernelWidth: Int
    public let strideHeight: Int, strideWidth: Int
    public let padHeight: Int, padWidth: Int
    /// Average pooling only: divide by kh·kw (true, PyTorch's default) or by the number
    /// of real positions in the window.
    public let countIncludesPadding: Bool

    public init(kernel: (Int, Int), stride: (Int, Int)? = nil, padding: (Int, Int) = (0, 0),
                countIncludesPadding: Bool = true) {
        (kernelHeight, kernelWidth) = kernel
        (strideHeight, strideWidth) = stride ?? kernel
        (padHeight, padWidth) = padding
        self.countIncludesPadding = countIncludesPadding
    }

    /// A 1-D window (height 1, no height stride or padding); the stride defaults to the kernel.
    public init(kernel: Int, stride: Int? = nil, padding: Int = 0, countIncludesPadding: Bool = true) {
        self.init(kernel: (1, kernel), stride: (1, stride ?? kernel), padding: (0, padding),
                  countIncludesPadding: countIncludesPadding)
    }

    public var description: String {
        "kernel (\(kernelHeight), \(kernelWidth)) stride (\(strideHeight), \(strideWidth)) padding (\(padHeight), \(padWidth))"
    }

    /// Checks x and returns the geometry; throws a `ShapeError` explaining a misfit.
    func geometry(_ x: [Int], op: String) throws -> PoolGeometry {
        guard x.count == 3 || x.count == 4 else {
            throw ShapeError("\(op): input must be [N, C, H, W] or [N, C, L], got \(x)")
        }
        guard x.allSatisfy({ $0 >= 1 }) else { throw ShapeError("\(op): sizes must be positive, got \(x)") }
        guard kernelHeight >= 1, kernelWidth >= 1, strideHeight >= 1, strideWidth >= 1, padHeight >= 0, padWidth >= 0 else {
            throw ShapeError("\(op): kernel and stride must be ≥ 1 and padding ≥ 0, got \(self)")
        }
        if x.count == 3 && (kernelHeight != 1 || strideHeight != 1 || padHeight != 0) {
            throw ShapeError("\(op): 1-D pooling of \(x) has a window along its length only, got \(self)")
        }
        guard padHeight < kernelHeight, padWidth < kernelWidth else {
            throw ShapeError("\(op): padding must be smaller than the kernel, got \(self)")
        }
        let (h, w) = ConvWindow.spatial(x)
        guard kernelHeight <= h + 2 * padHeight, kernelWidth <= w + 2 * padWidth else {
            throw ShapeError("\(op): kernel \(kernelHeight)×\(kernelWidth) larger than padded input "
                             + "\(h + 2 * padHeight)×\(w + 2 * padWidth) (input \(x), padding (\(padHeight), \(padWidth)))")
        }
        return PoolGeometry(batch: x[0], channels: x[1], inHeight: h, inWidth: w,
                            kernelHeight: kernelHeight, kernelWidth: kernelWidth,
                            strideHeight: strideHeight, strideWidth: strideWidth,
                            padHeight: padHeight, padWidth: padWidth, countIncludesPadding: countIncludesPadding)
    }

    /// The pooled shape of x.
    func outputShape(_ x: [Int], op: String) throws -> [Int] {
        let g = try geometry(x, op: op)
        return ConvWindow.shape(rank: x.count, g.batch, g.channels, g.outHeight, g.outWidth)
    }
}

/// The maximum over each window (padded positions ignored).
public struct MaxPoolOp: Operation {
    public let window: PoolWindow
    public var name: String { "max_pool" }
    public init(window: PoolWindow) { self.window = window }

    public func outputShape(_ inputs: [[Int]]) throws -> [Int] { try window.outputShape(inputs[0], op: name) }

    public func vjp(_ graph: Graph, inputs: [Node], output: Node, gradient: Node) -> [Node?] {
        [graph.apply(MaxPoolBackwardOp(window: window), [inputs[0], gradient])]
    }

    @_specialize(where T == Float) @_specialize(where T == Double)
    public func makeKernel<T: NetScalar>(_ context: KernelContext<T>) -> Kernel {
        let g = try! window.geometry(context.inputShapes[0], op: name)
        let x = context.inputs[0], y = context.output
        return { maxPoolForward(g, x: x, y: y) }
    }
}

/// dx = maxPoolBackward(x, dy): each dy routed to its window's argmax in x. Inputs x and
/// dy (the pooled shape of x); output the shape of x.
public struct MaxPoolBackwardOp: Operation {
    public let window: PoolWindow
    public var name: String { "max_pool_backward" }
    public init(window: PoolWindow) { self.window = window }

    public func outputShape(_ inputs: [[Int]]) throws -> [Int] {
        let pooled = try window.outputShape(inputs[0], op: name)
        guard inputs[1] == pooled else {
            throw ShapeError("\(name): output gradient \(inputs[1]) does not match the pooled shape \(pooled) of \(inputs[0])")
        }
        return inputs[0]
    }

    public func vjp(_ graph: Graph, inputs: [Node], output: Node, gradient: Node) -> [Node?] {
        [nil, graph.apply(MaxPoolSelectOp(window: window), [inputs[0], gradient])]
    }

    @_specialize(where T == Float) @_specialize(where T == Double)
    public func makeKernel<T: NetScalar>(_ context: KernelContext<T>) -> Kernel {
        let g = try! window.geometry(context.inputShapes[0], op: name)
        let x = context.inputs[0], dy = context.inputs[1], dx = context.output
        return { maxPoolBackward(g, x: x, dy: dy, dx: dx) }
    }
}

/// maxPoolSelect(x, h): h taken at each window's argmax of x (the derivative of max
/// pooling at x in direction h). Inputs x and h of the same shape; output the pooled shape.
public struct MaxPoolSelectOp: Operation {
    public let window: PoolWindow
    public var name: String { "max_pool_select" }
    public init(window: PoolWindow) { self.window = window }

    public func outputShape(_ inputs: [[Int]]) throws -> [Int] {
        guard inputs[0] == inputs[1] else {
            throw ShapeError("\(name): input \(inputs[0]) and direction \(inputs[1]) must have the same shape")
        }
        return try window.outputShape(inputs[0], op: name)
    }

    public func vjp(_ graph: Graph, inputs: [Node], output: Node, gradient: Node) -> [Node?] {
        [nil, graph.apply(MaxPoolBackwardOp(window: window), [inputs[0], gradient])]
    }

    @_specialize(where T == Float) @_specialize(where T == Double)
    public func makeKernel<T: NetScalar>(_ context: KernelContext<T>) -> Kernel {
        let g = try! window.geometry(context.inputShapes[0], op: name)
        let x = context.inputs[0], h = context.inputs[1], out = context.output
        return { maxPoolSelect(g, x: x, h: h, out: out) }
    }
}

/// The mean over each window (see `PoolWindow.countIncludesPadding`).
public struct AvgPoolOp: Operation {
    public let window: PoolWindow
    public var name: String { "avg_pool" }
    public init(window: PoolWindow) { self.window = window }

    public func outputShape(_ inputs: [[Int]]) throws -> [Int] { try window.outputShape(inputs[0], op: name) }

    public func vjp(_ graph: Graph, inputs: [Node], output: Node, gradient: Node) -> [Node?] {
        let (h, w) = ConvWindow.spatial(inputs[0].shape)
        return [graph.apply(AvgPoolBackwardOp(window: window, inputHeight: h, inputWidth: w), [gradient])]
    }

    @_specialize(where T == Float) @_specialize(where T == Double)
    public func makeKernel<T: NetScalar>(_ context: KernelContext<T>) -> Kernel {
        let g = try! window.geometry(context.inputShapes[0], op: name)
        let x = context.inputs[0], y = context.output
        return { avgPoolForward(g, x: x, y: y) }
    }
}

/// The adjoint of average pooling: each dy spread over its window. Input dy (pooled
/// shape); output [N, C, H, W] (or [N, C, L]) with the stored input size.
public struct AvgPoolBackwardOp: Operation {
    public let window: PoolWindow
    public let inputHeight: Int, inputWidth: Int
    public var name: String { "avg_pool_backward" }
    public init(window: PoolWindow, inputHeight: Int, inputWidth: Int) {
        self.window = window
        self.inputHeight = inputHeight
        self.inputWidth = inputWidth
    }

    func inputShape(_ dy: [Int]) throws -> [Int] {
        guard dy.count == 3 || dy.count == 4 else {
            throw ShapeError("\(name): output gradient must be [N, C, H, W] or [N, C, L], got \(dy)")
        }
        if dy.count == 3 && inputHeight != 1 { throw ShapeError("\(name): 1-D data needs input height 1, got \(inputHeight)") }
        let x = ConvWindow.shape(rank: dy.count, dy[0], dy[1], inputHeight, inputWidth)
        let pooled = try window.outputShape(x, op: name)
        guard dy == pooled else {
            throw ShapeError("\(name): output gradient \(dy) does not match the pooled shape \(pooled) of \(x)")
        }
        return x
    }

    public func outputShape(_ inputs: [[Int]]) throws -> [Int] { try inputShape(inputs[0]) }

    public func vjp(_ graph: Graph, inputs: [Node], output: Node, gradient: Node) -> [Node?] {
        [graph.apply(AvgPoolOp(window: window), [gradient])]
    }

    @_specialize(where T == Float) @_specialize(where T == Double)
    public func makeKernel<T: NetScalar>(_ context: KernelContext<T>) -> Kernel {
        let g = try! window.geometry(inputShape(context.inputShapes[0]), op: name)
        let dy = context.inputs[0], dx = context.output
        return { avgPoolBackward(g, dy: dy, dx: dx) }
    }
}

extension Node {
    /// 2-D max pooling of this [N, C, H, W] tensor; the stride defaults to the kernel.
    /// Padded positions never win.
    public func maxPool2d(kernel: Int, stride: Int? = nil, padding: Int = 0) -> Node {
        maxPool2d(kernel: (kernel, kernel), stride: stride.map { ($0, $0) }, padding: (padding, padding))
    }

    /// 2-D max pooling with window, stride and padding per axis (height, width).
    public func maxPool2d(kernel: (Int, Int), stride: (Int, Int)? = nil, padding: (Int, Int) = (0, 0)) -> Node {
        graph.apply(MaxPoolOp(window: PoolWindow(kernel: kernel, stride: stride, padding: padding)), [self])
    }

    /// 1-D max pooling of this [N, C, L] tensor; the stride defaults to the kernel.
    public func maxPool1d(kernel: Int, stride: Int? = nil, padding: Int = 0) -> Node {
        graph.apply(MaxPoolOp(window: PoolWindow(kernel: kernel, stride: stride, padding: padding)), [self])
    }

    /// 2-D average pooling of this [N, C, H, W] tensor; the stride defaults to the kernel.
    /// Padded positions count as zeros, divided by kh·kw unless `countIncludesPadding` is false.
    public func avgPool2d(kernel: Int, stride: Int? = nil, padding: Int = 0, countIncludesPadding: Bool = true) -> Node {
        avgPool2d(kernel: (kernel, kernel), stride: stride.map { ($0, $0) }, padding: (padding, padding),
                  countIncludesPadding: countIncludesPadding)
    }

    /// 2-D average pooling with window, stride and padding per axis (height, width).
    public func avgPool2d(kernel: (Int, Int), stride: (Int, Int)? = nil, padding: (Int, Int) = (0, 0),
                          countIncludesPadding: Bool = true) -> Node {
        let window = PoolWindow(kernel: kernel, stride: stride, padding: padding, countIncludesPadding: countIncludesPadding)
        return graph.apply(AvgPoolOp(window: window), [self])
    }

    /// 1-D average pooling of this [N, C, L] tensor; the stride defaults to the kernel.
    public func avgPool1d(kernel: Int, stride: Int? = nil, padding: Int = 0, countIncludesPadding: Bool = true) -> Node {
        let window = PoolWindow(kernel: kernel, stride: stride, padding: padding, countIncludesPadding: countIncludesPadding)
        return graph.apply(AvgPoolOp(window: window), [self])
    }

    /// The mean over all spatial axes: [N, C, H, W] or [N, C, L] → [N, C].
    public func globalAveragePooled() -> Node {
        precondition(rank >= 3, "global average pooling needs [N, C, …spatial], got \(shape)")
        return mean(axes: Array(2..<rank))
    }
}
