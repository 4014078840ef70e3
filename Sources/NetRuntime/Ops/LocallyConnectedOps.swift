/// The 1-D locally-connected layer (IsotopeNet, thesis ch. 7) as graph operations, on the
/// kernels of Kernels/LocallyConnected.swift: forward, backward-input and backward-weight,
/// each other's vector-Jacobian products exactly as the convolution trio:
///   y = lc(x, w):             dx = backwardInput(g, w),  dw = backwardWeight(x, g)
///   dx = backwardInput(dy, w): d dy = lc(h, w),          dw = backwardWeight(h, dy)
///   dw = backwardWeight(x, dy): dx = backwardInput(dy, H), d dy = lc(x, H)
///
/// Layouts: x [N, C_in, L], w [L_out, C_out, C_in·k], y [N, C_out, L_out]. No bias inside:
/// the layer's bias is [C_out, L_out], added with broadcasting by the caller.

/// Kernel size, stride and zero padding of a 1-D locally-connected layer.
public struct LocallyConnectedWindow: Hashable, Sendable, CustomStringConvertible {
    public let kernel: Int, stride: Int, padding: Int
    public init(kernel: Int, stride: Int = 1, padding: Int = 0) {
        self.kernel = kernel
        self.stride = stride
        self.padding = padding
    }

    public var description: String { "kernel \(kernel) stride \(stride) padding \(padding)" }

    /// L_out for input length L; throws when the window does not fit.
    func outLength(_ length: Int, op: String) throws -> Int {
        guard kernel >= 1, stride >= 1, padding >= 0 else {
            throw ShapeError("\(op): kernel and stride must be ≥ 1 and padding ≥ 0, got \(self)")
        }
        guard kernel <= length + 2 * padding else {
            throw ShapeError("\(op): kernel \(kernel) larger than padded input length \(length + 2 * padding) (length \(length), padding \(padding))")
        }
        return slidingOutputSize(input: length, kernel: kernel, stride: stride, padding: padding)
    }

    /// Checks x and w and returns the geometry.
    func geometry(x: [Int], w: [Int], op: String) throws -> LocallyConnected1DGeometry {
        guard x.count == 3, x.allSatisfy({ $0 >= 1 }) else {
            throw ShapeError("\(op): input must be [N, C_in, L] with positive sizes, got \(x)")
        }
        let lo = try outLength(x[2], op: op)
        let expected = [lo, w.count == 3 ? w[1] : 0, x[1] * kernel]
        guard w.count == 3, w[1] >= 1, w == expected else {
            throw ShapeError("\(op): weight must be [L_out, C_out, C_in·k] = [\(lo), C_out, \(x[1])·\(kernel)] "
                             + "for input \(x) with \(self), got \(w)")
        }
        return LocallyConnected1DGeometry(batch: x[0], inChannels: x[1], outChannels: w[1], length: x[2],
                                          kernel: kernel, stride: stride, padding: padding)
    }

    static func checkOutput(_ g: LocallyConnected1DGeometry, dy: [Int], op: String) throws {
        let expected = [g.batch, g.outChannels, g.outLength]
        guard dy == expected else {
            throw ShapeError("\(op): output gradient \(dy) does not match the layer's output \(expected) (\(g))")
        }
    }
}

/// y[n, o, i] = Σ_{c,j} w[i, o, c·k + j] · xpad[n, c, i·s + j].
public struct LocallyConnected1DOp: Operation {
    public let window: LocallyConnectedWindow
    public var name: String { "locally_connected1d" }
    public init(window: LocallyConnectedWindow) { self.window = window }

    public func outputShape(_ inputs: [[Int]]) throws -> [Int] {
        let g = try window.geometry(x: inputs[0], w: inputs[1], op: name)
        return [g.batch, g.outChannels, g.outLength]
    }

    public func vjp(_ graph: Graph, inputs: [Node], output: Node, gradient: Node) -> [Node?] {
        let x = inputs[0], w = inputs[1]
        return [graph.apply(LocallyConnected1DBackwardInputOp(window: window, length: x.shape[2]), [gradient, w]),
                graph.apply(LocallyConnected1DBackwardWeightOp(window: window), [x, gradient])]
    }

    @_specialize(where T == Float) @_specialize(where T == Double)
    public func makeKernel<T: NetScalar>(_ context: KernelContext<T>) -> Kernel {
        let g = try! window.geometry(x: context.inputShapes[0], w: context.inputShapes[1], op: name)
        let x = context.inputs[0], w = context.inputs[1], y = context.output
        let scratch = context.scratch(g.workspaceCount)   // pure scratch: shared between kernels
        return { locallyConnectedForward(g, x: x, w: w, bias: nil, y: y, workspace: scratch.pointer) }
    }
}

/// The gradient of the locally-connected layer with respect to its input. Inputs
/// dy [N, C_out, L_out] and w [L_out, C_out, C_in·k]; output [N, C_in, L] with the stored L.
public struct LocallyConnected1DBackwardInputOp: Operation {
    public let window: LocallyConnectedWindow
    public let length: Int
    public var name: String { "locally_connected1d_backward_input" }
    public init(window: LocallyConnectedWindow, length: Int) {
        self.window = window
        self.length = length
    }

    func geometry(dy: [Int], w: [Int]) throws -> LocallyConnected1DGeometry {
        guard dy.count == 3, w.count == 3, window.kernel >= 1, w[2] % window.kernel == 0, dy[1] == w[1] else {
            throw ShapeError("\(name): output gradient \(dy) must be [N, C_out, L_out] and weight \(w) "
                             + "[L_out, C_out, C_in·\(window.kernel)] with the same C_out")
        }
        let g = try window.geometry(x: [dy[0], w[2] / window.kernel, length], w: w, op: name)
        try LocallyConnectedWindow.checkOutput(g, dy: dy, op: name)
        return g
    }

    public func outputShape(_ inputs: [[Int]]) throws -> [Int] {
        let g = try geometry(dy: inputs[0], w: inputs[1])
        return [g.batch, g.inChannels, g.length]
    }

    public func vjp(_ graph: Graph, inputs: [Node], output: Node, gradient h: Node) -> [Node?] {
        let dy = inputs[0], w = inputs[1]
        return [graph.apply(LocallyConnected1DOp(window: window), [h, w]),
                graph.apply(LocallyConnected1DBackwardWeightOp(window: window), [h, dy])]
    }

    @_specialize(where T == Float) @_specialize(where T == Double)
    public func makeKernel<T: NetScalar>(_ context: KernelContext<T>) -> Kernel {
        let g = try! geometry(dy: context.inputShapes[0], w: context.inputShapes[1])
        let dy = context.inputs[0], w = context.inputs[1], dx = context.output
        let scratch = context.scratch(g.workspaceCount)   // pure scratch: shared between kernels
        return { locallyConnectedBackwardInput(g, dy: dy, w: w, dx: dx, workspace: scratch.pointer) }
    }
}

/// The gradient of the locally-connected layer with respect to its weight. Inputs
/// x [N, C_in, L] and dy [N, C_out, L_out]; output [L_out, C_out, C_in·k].
public struct LocallyConnected1DBackwardWeightOp: Operation {
    public let window: LocallyConnectedWindow
    public var name: String { "locally_connected1d_backward_weight" }
    public init(window: LocallyConnectedWindow) { self.window = window }

    func geometry(x: [Int], dy: [Int]) throws -> LocallyConnected1DGeometry {
        guard x.count == 3, dy.count == 3, x[0] == dy[0] else {
            throw ShapeError("\(name): input \(x) and output gradient \(dy) must be [N, C_in, L] and [N, C_out, L_out]")
        }
        let lo = try window.outLength(x[2], op: name)
        let g = try window.geometry(x: x, w: [lo, dy[1], x[1] * window.kernel], op: name)
        try LocallyConnectedWindow.checkOutput(g, dy: dy, op: name)
        return g
    }

    public func outputShape(_ inputs: [[Int]]) throws -> [Int] {
        let g = try geometry(x: inputs[0], dy: inputs[1])
        return [g.outLength, g.outChannels, g.patchSize]
    }

    public func vjp(_ graph: Graph, inputs: [Node], output: Node, gradient h: Node) -> [Node?] {
        let x = inputs[0], dy = inputs[1]
        return [graph.apply(LocallyConnected1DBackwardInputOp(window: window, length: x.shape[2]), [dy, h]),
                graph.apply(LocallyConnected1DOp(window: window), [x, h])]
    }

    @_specialize(where T == Float) @_specialize(where T == Double)
    public func makeKernel<T: NetScalar>(_ context: KernelContext<T>) -> Kernel {
        let g = try! geometry(x: context.inputShapes[0], dy: context.inputShapes[1])
        let x = context.inputs[0], dy = context.inputs[1], dw = context.output
        let scratch = context.scratch(g.workspaceCount)   // pure scratch: shared between kernels
        return { locallyConnectedBackwardWeight(g, x: x, dy: dy, dw: dw, workspace: scratch.pointer) }
    }
}

extension Node {
    /// The 1-D locally-connected layer on this [N, C_in, L] tensor with `weight`
    /// [L_out, C_out, C_in·kernel] (one filter bank per output position):
    /// [N, C_out, L_out], L_out = ⌊(L + 2·padding − kernel)/stride⌋ + 1.
    /// No bias: add one of shape [C_out, L_out] with broadcasting.
    public func locallyConnected1d(_ weight: Node, kernel: Int, stride: Int = 1, padding: Int = 0) -> Node {
        let window = LocallyConnectedWindow(kernel: kernel, stride: stride, padding: padding)
        return graph.apply(LocallyConnected1DOp(window: window), [self, weight])
    }
}
