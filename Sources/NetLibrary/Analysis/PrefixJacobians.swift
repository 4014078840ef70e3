import NetRuntime

/// The linearisations A_P of *every* prefix of a ReLU network at a point, in one pass
/// (for the per-layer spectra of Fig. 3.4).
///
/// Reverse mode (`Linearization`) costs one vjp per output unit and per prefix — for the
/// 14 prefixes of the Table 3.1 networks about 12,000 backward passes per sample. Forward
/// mode builds the same matrices as the product of Def. 3.4 layer by layer: the n input
/// directions (the identity) are pushed through the prefix, each affine step applies its
/// bias-free linear map A_l (its weight as a matrix product or convolution, strides
/// included), each ReLU multiplies by D_I (1 where the pre-activation at x is > 0), so
/// after step l the tangents are A_Pᵀ of prefix l. One run of a planned Float64 graph on
/// a batch of n tangents gives all prefixes. The tests check it against `Linearization`.
public final class PrefixJacobians {
    public let network: PiecewiseLinearNetwork
    private let input: Node
    private let tangents: [Node]
    private let executor: Executor<Double>

    /// Throws `PiecewiseLinearNetwork.Unsupported` for constrained (Lipschitz) layers,
    /// whose effective weight is not the stored one.
    public init(_ network: PiecewiseLinearNetwork, variables: VariableStore<Double>) throws {
        self.network = network
        let model = network.model, graph = model.graph
        let n = network.inputSize
        input = graph.input("prefix_jacobians_x", shape: [1] + model.inputShape)
        var identity = Tensor<Double>.zeros([n, n])
        for i in 0..<n { identity.scalars[i * n + i] = 1 }
        var t = graph.constant(identity.reshaped([n] + model.inputShape))
        var p = input
        let context = ApplyContext(training: false)
        var out: [Node] = []
        for step in network.steps {
            switch step.kind {
            case .affine:
                t = try PiecewiseLinearNetwork.linearPart(step, t)
            case .relu:
                // D_I: keep the tangent where the pre-activation is > 0 (ReLU'(0) = 0, so
                // I = {i : zᵢ ≤ 0} as in Def. 3.4).
                t = t.scaled(by: .step, of: p.broadcast(to: t.shape))
            case .reindex:
                t = t.reshaped([n] + step.outputShape)
            }
            p = step.layer.apply(p, context)
            out.append(t.reshaped([n, step.outputSize]))
        }
        tangents = out
        executor = Executor<Double>(graph: graph, outputs: out, variables: variables)
    }

    /// A_Pᵀ [n, m_l] of every prefix l at x (the transposes, which have the same singular
    /// values).
    public func transposedJacobians(at x: [Double]) -> [Tensor<Double>] {
        precondition(x.count == network.inputSize)
        // Without a ReLU no tangent depends on x (the Jacobians are the weights), and the
        // planned graph has no input to fill (asking for it trapped).
        if executor.uses(input) {
            let p = executor.inputPointer(input)
            for (i, v) in x.enumerated() { p[i] = v }
        }
        executor.run()
        return tangents.map { executor.value($0) }
    }
}
