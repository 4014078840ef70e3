/// Convolution as graph operations: the forward convolution and its two adjoints,
/// backward-input (the transposed convolution) and backward-weight, on the im2col + GEMM
/// kernels of Kernels/Convolution.swift.
///
/// The three are each other's vector-Jacobian products, so gradients of any order stay
/// within this file (what the power-series log-determinant of an i-ResNet needs):
///   y = conv(x, w):            dx = backwardInput(g, w),  dw = backwardWeight(x, g)
///   dx = backwardInput(dy, w): d dy = conv(h, w),         dw = backwardWeight(h, dy)
///   dw = backwardWeight(x, dy): dx = backwardInput(dy, H), d dy = conv(x, H)
///
/// Every op accepts 2-D data (x [N, C, H, W], w [C_out, C_in, kh, kw]) and 1-D data
/// (x [N, C, L], w [C_out, C_in, k]); a 1-D convolution is the 2-D one with height 1, so
/// its window must have height stride 1 and height padding 0. There is no bias inside:
/// callers add one with broadcasting ([C_out, 1, 1] or [C_out, 1]).

/// Stride and zero padding of a convolution along height and width (height: 1 and 0 for 1-D).
public struct ConvWindow: Hashable, Sendable, CustomStringConvertible {
    public let strideHeight: Int, strideWidth: Int
    public let padHeight: Int, padWidth: Int

    public init(stride: (Int, Int) = (1, 1), padding: (Int, Int) = (0, 0)) {
        (strideHeight, strideWidth) = stride
        (padHeight, padWidth) = padding
    }

    /// A 1-D window (height stride 1, no height padding).
    public init(stride: Int, padding: Int) { self.init(stride: (1, stride), padding: (0, padding)) }

    public var description: String { "stride (\(strideHeight), \(strideWidth)) padding (\(padHeight), \(padWidth))" }

    /// (height, width) of a [N, C, H, W] or [N, C, L] shape (height 1 for 1-D).
    static func spatial(_ s: [Int]) -> (Int, Int) { s.count == 4 ? (s[2], s[3]) : (1, s[2]) }

    /// A [N, C, H, W] or [N, C, L] shape for the given rank.
    static func shape(rank: Int, _ n: Int, _ c: Int, _ h: Int, _ w: Int) -> [Int] {
        rank == 4 ? [n, c, h, w] : [n, c, w]
    }

    /// Checks x and w and returns the geometry; throws a `ShapeError` explaining a misfit.
    func geometry(x: [Int], w: [Int], op: String) throws -> ConvGeometry {
        guard x.count == 3 || x.count == 4 else {
            throw ShapeError("\(op): input must be [N, C, H, W] or [N, C, L], got \(x)")
        }
        guard w.count == x.count else {
            throw ShapeError("\(op): weight must be [C_out, C_in\(x.count == 4 ? ", kh, kw" : ", k")] for input \(x), got \(w)")
        }
        guard x.allSatisfy({ $0 >= 1 }), w.allSatisfy({ $0 >= 1 }) else {
            throw ShapeError("\(op): sizes must be positive, got input \(x) and weight \(w)")
        }
        guard strideHeight >= 1, strideWidth >= 1, padHeight >= 0, padWidth >= 0 else {
            throw ShapeError("\(op): stride must be ≥ 1 and padding ≥ 0, got \(self)")
        }
        if x.count == 3 && (strideHeight != 1 || padHeight != 0) {
            throw ShapeError("\(op): a 1-D convolution has stride and padding along its length only, got \(self)")
        }
        guard x[1] == w[1] else {
            throw ShapeError("\(op): channels mismatch: input \(x) has \(x[1]) channels but weight \(w) expects \(w[1])")
        }
        let (h, wd) = Self.spatial(x), (kh, kw) = Self.spatial(w)
        guard kh <= h + 2 * padHeight, kw <= wd + 2 * padWidth else {
            throw ShapeError("\(op): kernel \(kh)×\(kw) larger than padded input \(h + 2 * padHeight)×\(wd + 2 * padWidth) "
                             + "(input \(x), padding (\(padHeight), \(padWidth)))")
        }
        return ConvGeometry(batch: x[0], inChannels: x[1], outChannels: w[0], inHeight: h, inWidth: wd,
                            kernelHeight: kh, kernelWidth: kw, strideHeight: strideHeight, strideWidth: strideWidth,
                            padHeight: padHeight, padWidth: padWidth)
    }

    /// Throws unless dy has the output shape of geometry g.
    static func checkOutput(_ g: ConvGeometry, dy: [Int], rank: Int, op: String) throws {
        let expected = shape(rank: rank, g.batch, g.outChannels, g.outHeight, g.outWidth)
        guard dy == expected else {
            throw ShapeError("\(op): output gradient \(dy) does not match the convolution's output \(expected) (\(g))")
        }
    }
}

/// y = conv(x, w) (+ bias): cross-correlation of x [N, C_in, H, W] with w [C_out, C_in, kh, kw],
/// giving [N, C_out, Ho, Wo] (or the 1-D analogue). An optional third input bias [C_out]
/// is added in the kernel (one pass over y fewer than a broadcast add).
public struct Conv2DOp: Operation {
    public let window: ConvWindow
    public var name: String { "conv" }
    public init(window: ConvWindow) { self.window = window }

    public func outputShape(_ inputs: [[Int]]) throws -> [Int] {
        guard inputs.count == 2 || inputs.count == 3 else { throw ShapeError("\(name): expects input, weight and an optional bias") }
        let g = try window.geometry(x: inputs[0], w: inputs[1], op: name)
        if inputs.count == 3 && inputs[2] != [g.outChannels] {
            throw ShapeError("\(name): bias must be [\(g.outChannels)] (one per output channel), got \(inputs[2])")
        }
        return ConvWindow.shape(rank: inputs[0].count, g.batch, g.outChannels, g.outHeight, g.outWidth)
    }

    /// Every output takes C_in·k_h·k_w multiply-adds (one weight row).
    public func multiplyAdds(_ inputShapes: [[Int]]) -> Int? {
        guard let y = try? outputShape(inputShapes) else { return nil }
        return y.reduce(1, *) * inputShapes[1].dropFirst().reduce(1, *)
    }

    public func vjp(_ graph: Graph, inputs: [Node], output: Node, gradient: Node) -> [Node?] {
        let x = inputs[0], w = inputs[1]
        let (h, wd) = ConvWindow.spatial(x.shape), (kh, kw) = ConvWindow.spatial(w.shape)
        var cotangents: [Node?] = [graph.apply(Conv2DBackwardInputOp(window: window, inputHeight: h, inputWidth: wd), [gradient, w]),
                                   graph.apply(Conv2DBackwardWeightOp(window: window, kernelHeight: kh, kernelWidth: kw), [x, gradient])]
        if inputs.count == 3 {
            let c = w.shape[0]
            cotangents.append(gradient.summed(to: x.rank == 4 ? [c, 1, 1] : [c, 1]).reshaped([c]))
        }
        return cotangents
    }

    @_specialize(where T == Float) @_specialize(where T == Double)
    public func makeKernel<T: NetScalar>(_ context: KernelContext<T>) -> Kernel {
        let g = try! window.geometry(x: context.inputShapes[0], w: context.inputShapes[1], op: name)
        let x = context.inputs[0], w = context.inputs[1], y = context.output
        let bias = context.inputs.count == 3 ? UnsafePointer(context.inputs[2]) : nil
        let scratch = context.scratch(g.workspaceCount)   // pure scratch: shared between kernels
        return { convForward(g, x: x, w: w, bias: bias, y: y, workspace: scratch.pointer) }
    }
}

/// dx = convᵀ(dy, w): the gradient of a convolution with respect to its input, i.e. the
/// transposed convolution. Inputs dy [N, C_out, Ho, Wo] and w [C_out, C_in, kh, kw];
/// output [N, C_in, H, W] with the stored input size (any H, W whose convolution output
/// is Ho, Wo; positions no window reaches get 0).
public struct Conv2DBackwardInputOp: Operation {
    public let window: ConvWindow
    public let inputHeight: Int, inputWidth: Int
    public var name: String { "conv_backward_input" }
    public init(window: ConvWindow, inputHeight: Int, inputWidth: Int) {
        self.window = window
        self.inputHeight = inputHeight
        self.inputWidth = inputWidth
    }

    func geometry(dy: [Int], w: [Int]) throws -> ConvGeometry {
        guard dy.count == 3 || dy.count == 4, w.count == dy.count else {
            throw ShapeError("\(name): output gradient \(dy) and weight \(w) must both be 4-D or both 3-D")
        }
        if dy.count == 3 && inputHeight != 1 {
            throw ShapeError("\(name): 1-D data needs input height 1, got \(inputHeight)")
        }
        guard dy[1] == w[0] else {
            throw ShapeError("\(name): channels mismatch: output gradient \(dy) has \(dy[1]) channels but weight \(w) has \(w[0]) output channels")
        }
        let x = ConvWindow.shape(rank: dy.count, dy[0], w[1], inputHeight, inputWidth)
        let g = try window.geometry(x: x, w: w, op: name)
        try ConvWindow.checkOutput(g, dy: dy, rank: dy.count, op: name)
        return g
    }

    public func outputShape(_ inputs: [[Int]]) throws -> [Int] {
        let g = try geometry(dy: inputs[0], w: inputs[1])
        return ConvWindow.shape(rank: inputs[0].count, g.batch, g.inChannels, g.inHeight, g.inWidth)
    }

    /// As the forward convolution: dy's elements × C_in·k_h·k_w.
    public func multiplyAdds(_ inputShapes: [[Int]]) -> Int? {
        inputShapes[0].reduce(1, *) * inputShapes[1].dropFirst().reduce(1, *)
    }

    public func vjp(_ graph: Graph, inputs: [Node], output: Node, gradient h: Node) -> [Node?] {
        let dy = inputs[0], w = inputs[1]
        let (kh, kw) = ConvWindow.spatial(w.shape)
        return [graph.apply(Conv2DOp(window: window), [h, w]),
                graph.apply(Conv2DBackwardWeightOp(window: window, kernelHeight: kh, kernelWidth: kw), [h, dy])]
    }

    @_specialize(where T == Float) @_specialize(where T == Double)
    public func makeKernel<T: NetScalar>(_ context: KernelContext<T>) -> Kernel {
        let g = try! geometry(dy: context.inputShapes[0], w: context.inputShapes[1])
        let dy = context.inputs[0], w = context.inputs[1], dx = context.output
        let scratch = context.scratch(g.workspaceCount)   // pure scratch: shared between kernels
        return { convBackwardInput(g, dy: dy, w: w, dx: dx, workspace: scratch.pointer) }
    }
}

/// dw = Σₙ dyₙ · im2col(xₙ)ᵀ: the gradient of a convolution with respect to its weight.
/// Inputs x [N, C_in, H, W] and dy [N, C_out, Ho, Wo]; output [C_out, C_in, kh, kw] with
/// the stored kernel size.
public struct Conv2DBackwardWeightOp: Operation {
    public let window: ConvWindow
    public let kernelHeight: Int, kernelWidth: Int
    public var name: String { "conv_backward_weight" }
    public init(window: ConvWindow, kernelHeight: Int, kernelWidth: Int) {
        self.window = window
        self.kernelHeight = kernelHeight
        self.kernelWidth = kernelWidth
    }

    func geometry(x: [Int], dy: [Int]) throws -> ConvGeometry {
        guard x.count == 3 || x.count == 4, dy.count == x.count else {
            throw ShapeError("\(name): input \(x) and output gradient \(dy) must both be 4-D or both 3-D")
        }
        if x.count == 3 && kernelHeight != 1 {
            throw ShapeError("\(name): 1-D data needs kernel height 1, got \(kernelHeight)")
        }
        guard x[0] == dy[0] else {
            throw ShapeError("\(name): batch sizes differ: input \(x), output gradient \(dy)")
        }
        let w = ConvWindow.shape(rank: x.count, dy[1], x[1], kernelHeight, kernelWidth)
        let g = try window.geometry(x: x, w: w, op: name)
        try ConvWindow.checkOutput(g, dy: dy, rank: x.count, op: name)
        return g
    }

    public func outputShape(_ inputs: [[Int]]) throws -> [Int] {
        let g = try geometry(x: inputs[0], dy: inputs[1])
        return inputs[0].count == 4 ? [g.outChannels, g.inChannels, g.kernelHeight, g.kernelWidth]
                                    : [g.outChannels, g.inChannels, g.kernelWidth]
    }

    /// As the forward convolution: dy's elements × C_in·k_h·k_w.
    public func multiplyAdds(_ inputShapes: [[Int]]) -> Int? {
        guard let w = try? outputShape(inputShapes) else { return nil }
        return inputShapes[1].reduce(1, *) * w.dropFirst().reduce(1, *)
    }

    public func vjp(_ graph: Graph, inputs: [Node], output: Node, gradient h: Node) -> [Node?] {
        let x = inputs[0], dy = inputs[1]
        let (height, width) = ConvWindow.spatial(x.shape)
        return [graph.apply(Conv2DBackwardInputOp(window: window, inputHeight: height, inputWidth: width), [dy, h]),
                graph.apply(Conv2DOp(window: window), [x, h])]
    }

    @_specialize(where T == Float) @_specialize(where T == Double)
    public func makeKernel<T: NetScalar>(_ context: KernelContext<T>) -> Kernel {
        let g = try! geometry(x: context.inputShapes[0], dy: context.inputShapes[1])
        let x = context.inputs[0], dy = context.inputs[1], dw = context.output
        let scratch = context.scratch(g.workspaceCount)   // pure scratch: shared between kernels
        return { convBackwardWeight(g, x: x, dy: dy, dw: dw, workspace: scratch.pointer) }
    }
}

extension Node {
    /// The 2-D convolution (cross-correlation) of this [N, C_in, H, W] tensor with
    /// `weight` [C_out, C_in, kh, kw]: [N, C_out, Ho, Wo], Ho = ⌊(H + 2·padding − kh)/stride⌋ + 1.
    /// No bias: add one with broadcasting (shape [C_out, 1, 1]).
    public func conv2d(_ weight: Node, stride: Int = 1, padding: Int = 0) -> Node {
        conv2d(weight, stride: (stride, stride), padding: (padding, padding))
    }

    /// The 2-D convolution with stride and padding given per axis (height, width).
    public func conv2d(_ weight: Node, stride: (Int, Int), padding: (Int, Int) = (0, 0)) -> Node {
        graph.apply(Conv2DOp(window: ConvWindow(stride: stride, padding: padding)), [self, weight])
    }

    /// The 1-D convolution of this [N, C_in, L] tensor with `weight` [C_out, C_in, k]:
    /// [N, C_out, L_out], L_out = ⌊(L + 2·padding − k)/stride⌋ + 1. No bias (add [C_out, 1]).
    public func conv1d(_ weight: Node, stride: Int = 1, padding: Int = 0) -> Node {
        graph.apply(Conv2DOp(window: ConvWindow(stride: stride, padding: padding)), [self, weight])
    }

    /// The 1-D or 2-D convolution (by this tensor's rank) plus a bias [C_out] added per
    /// output channel, in one kernel.
    public func conv(_ weight: Node, bias: Node, stride: Int = 1, padding: Int = 0) -> Node {
        let window = rank == 4 ? ConvWindow(stride: (stride, stride), padding: (padding, padding))
                               : ConvWindow(stride: stride, padding: padding)
        return graph.apply(Conv2DOp(window: window), [self, weight, bias])
    }

    /// The transposed 2-D convolution of this [N, C_out, h, w] tensor with `weight`
    /// [C_out, C_in, kh, kw] (the layout of the convolution it transposes): the adjoint of
    /// `conv2d(weight, stride:padding:)`, giving [N, C_in, H, W]. The output size defaults
    /// to the smallest one, H = (h − 1)·stride − 2·padding + kh; `outputSize` may choose
    /// any (H, W) whose convolution output is (h, w).
    public func transposedConv2d(_ weight: Node, stride: Int = 1, padding: Int = 0,
                                 outputSize: (Int, Int)? = nil) -> Node {
        transposedConv2d(weight, stride: (stride, stride), padding: (padding, padding), outputSize: outputSize)
    }

    /// The transposed 2-D convolution with stride and padding given per axis (height, width).
    public func transposedConv2d(_ weight: Node, stride: (Int, Int), padding: (Int, Int) = (0, 0),
                                 outputSize: (Int, Int)? = nil) -> Node {
        precondition(rank == 4 && weight.rank == 4, "transposedConv2d needs [N, C, h, w] and a 4-D weight, got \(shape) and \(weight.shape)")
        let size = outputSize ?? ((shape[2] - 1) * stride.0 - 2 * padding.0 + weight.shape[2],
                                  (shape[3] - 1) * stride.1 - 2 * padding.1 + weight.shape[3])
        let op = Conv2DBackwardInputOp(window: ConvWindow(stride: stride, padding: padding),
                                       inputHeight: size.0, inputWidth: size.1)
        return graph.apply(op, [self, weight])
    }

    /// The transposed 1-D convolution of this [N, C_out, l] tensor with `weight`
    /// [C_out, C_in, k]: the adjoint of `conv1d`, giving [N, C_in, L] with
    /// L = (l − 1)·stride − 2·padding + k unless `outputLength` is given.
    public func transposedConv1d(_ weight: Node, stride: Int = 1, padding: Int = 0, outputLength: Int? = nil) -> Node {
        precondition(rank == 3 && weight.rank == 3, "transposedConv1d needs [N, C, l] and a 3-D weight, got \(shape) and \(weight.shape)")
        let length = outputLength ?? (shape[2] - 1) * stride - 2 * padding + weight.shape[2]
        let op = Conv2DBackwardInputOp(window: ConvWindow(stride: stride, padding: padding),
                                       inputHeight: 1, inputWidth: length)
        return graph.apply(op, [self, weight])
    }
}
