/// A chain of dense layers, each optionally followed by an activation, in one kernel:
/// h₀ = x, h_l = f_l(h_{l−1}·W_lᵀ + b_l), output h_L — e.g. the body
/// g(x) = W₃·elu(W₂·elu(W₁·x + b₁) + b₂) + b₃ of an i-ResNet block (thesis eq. 4.3).
///
/// The executor puts one in place of a chain of `LinearOp` and `UnaryOp` nodes whose
/// intermediate values nothing else reads (`DenseChainFusion`): inference, predict and
/// the fixed-point inverse (Alg. 1), where the chain is evaluated many times. The kernel
/// (`DenseChainKernel`) splits the rows into blocks and takes each block through every
/// layer on one compute thread, so the hidden activations stay in that core's L2 cache
/// and the threads meet once per evaluation instead of once per GEMM and activation.
///
/// Inputs: x [m, k₀], then W_l [n_l, k_l] and b_l [n_l] for every layer (k_l = n_{l−1}).
/// The values equal those of the unfused ops (same per-row formulas, same BLAS calls per
/// row); tests check this in Float32 and Float64.
public struct DenseChainOp: Operation {
    /// The activation after each dense layer (nil: none).
    public let activations: [UnaryFunction?]

    public init(activations: [UnaryFunction?]) {
        precondition(activations.allSatisfy { $0.map(Self.fuses) ?? true }, "dense_chain: unsupported activation in \(activations)")
        self.activations = activations
    }

    /// The activations the kernel applies in its pass over a layer's output block.
    public static func fuses(_ f: UnaryFunction) -> Bool {
        switch f {
        case .relu, .elu, .leakyRelu, .tanh, .sigmoid: true
        default: false
        }
    }

    public var name: String { "dense_chain" }

    public func outputShape(_ inputs: [[Int]]) throws -> [Int] {
        guard inputs.count == 1 + 2 * activations.count, !activations.isEmpty else {
            throw ShapeError("dense_chain of \(activations.count) layers needs x and a weight and bias per layer, got \(inputs.count) inputs")
        }
        guard inputs[0].count == 2 else { throw ShapeError("dense_chain needs x [m, k], got \(inputs[0])") }
        var width = inputs[0][1]
        for l in activations.indices {
            let w = inputs[1 + 2 * l], b = inputs[2 + 2 * l]
            guard w.count == 2, w[1] == width, b == [w[0]] else {
                throw ShapeError("dense_chain layer \(l + 1) needs W [n, \(width)] and b [n], got \(w) and \(b)")
            }
            width = w[0]
        }
        return [inputs[0][0], width]
    }

    /// Σ over the layers of m·n_l·k_l.
    public func multiplyAdds(_ inputShapes: [[Int]]) -> Int? {
        activations.indices.map { inputShapes[0][0] * inputShapes[1 + 2 * $0].reduce(1, *) }.reduce(0, +)
    }

    /// The unfused chain, rebuilt from graph ops and differentiated: the fused op has
    /// the same gradients of every order as the `linear` and activation nodes it replaces.
    public func vjp(_ graph: Graph, inputs: [Node], output: Node, gradient: Node) -> [Node?] {
        graph.gradients(of: Self.unfused(inputs, activations: activations), wrt: inputs, seed: gradient)
    }

    /// The same chain as separate `linear` and activation nodes.
    public static func unfused(_ inputs: [Node], activations: [UnaryFunction?]) -> Node {
        var h = inputs[0]
        for (l, f) in activations.enumerated() {
            h = h.linear(inputs[1 + 2 * l], bias: inputs[2 + 2 * l])
            if let f { h = h.apply(f) }
        }
        return h
    }

    @_specialize(where T == Float) @_specialize(where T == Double)
    public func makeKernel<T: NetScalar>(_ context: KernelContext<T>) -> Kernel {
        DenseChainKernel<T>(context, activations: activations).run
    }
}

extension Node {
    /// A chain of dense layers with activations in one node (see `DenseChainOp`):
    /// `layers` are (W [n, k], b [n], activation or nil) in order.
    public func denseChain(_ layers: [(weight: Node, bias: Node, activation: UnaryFunction?)]) -> Node {
        graph.apply(DenseChainOp(activations: layers.map(\.activation)), [self] + layers.flatMap { [$0.weight, $0.bias] })
    }
}
