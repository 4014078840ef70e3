import NetRuntime

/// Post-training verification of Lipschitz constraints (Remark 4.9): every constrained
/// layer's effective weight W / max(1, σ̂/c) — the one inference uses — has its norm
/// measured independently of the training-time estimate: exactly by SVD for dense layers,
/// by power iteration run to convergence on the operator for convolutions. A residual
/// block is flagged when the product of its layers' norms is not below 1 (then Thm. 4.1
/// no longer guarantees invertibility).
public enum LipschitzVerification {
    public struct LayerRow: Sendable {
        public var name: String
        public var coefficient: Double
        /// The measured operator norm of the effective weight.
        public var norm: Double
        /// Whether the norm is within the coefficient up to `tolerance` (or, for a constraint
    /// with a power-iteration tolerance τ, up to 10·τ).
        public var withinCoefficient: Bool
    }

    public struct BlockRow: Sendable {
        public var index: Int
        /// The product of the block's measured layer norms: an upper bound on Lip(g).
        public var bound: Double
        public var invertible: Bool { bound < 1 }
    }

    public static func verify(_ model: Model, variables: VariableStore<Float>, tolerance: Double = 0.01)
        -> (layers: [LayerRow], blocks: [BlockRow]) {
        var layers: [LayerRow] = [], blocks: [BlockRow] = []
        let graph = model.graph
        let store = VariableStore<Double>(converting: variables)
        func measure(_ layer: Layer, inputShape: [Int]) -> LayerRow? {
            if let d = layer as? Dense, let c = d.constraint, let w = d.weight, let u = d.vectorVariable {
                let sn = SpectralNorm(weight: w, u: u, coefficient: c.coefficient, iterations: c.iterations, updatingVector: false)
                let effective = graph.evaluate([sn.weight], as: Double.self, variables: store)[0]
                let norm = (try? spectralNorm(effective)) ?? .nan
                return LayerRow(name: (w.operation as! VariableOp).label.replacingOccurrences(of: ".weight", with: ""),
                                coefficient: c.coefficient, norm: norm, withinCoefficient: norm <= c.coefficient * (1 + (c.tolerance.map { 10 * $0 } ?? tolerance)))
            }
            if let conv = layer as? Convolution, let c = conv.constraint, let w = conv.weight, let u = conv.vectorVariable {
                let sn = SpectralNorm(convolutionWeight: w, u: u, coefficient: c.coefficient, iterations: c.iterations,
                                      updatingVector: false, inputShape: inputShape, stride: conv.stride, padding: conv.padding)
                let effective = graph.evaluate([sn.weight], as: Double.self, variables: store)[0]
                let norm = convolutionNorm(effective, conv: conv, inputShape: inputShape)
                return LayerRow(name: (w.operation as! VariableOp).label.replacingOccurrences(of: ".weight", with: ""),
                                coefficient: c.coefficient, norm: norm, withinCoefficient: norm <= c.coefficient * (1 + (c.tolerance.map { 10 * $0 } ?? tolerance)))
            }
            return nil
        }
        func visit(_ seq: Sequential) {
            for (index, (layer, shape)) in zip(seq.layers, seq.inputShapes).enumerated() {
                if let residual = layer as? Residual {
                    var bound = 1.0, complete = true
                    for (inner, innerShape) in zip(residual.body.layers, residual.body.inputShapes) {
                        if let row = measure(inner, inputShape: innerShape) {
                            layers.append(row); bound *= row.norm
                        } else if inner is Dense || inner is Convolution {
                            complete = false   // an unconstrained weight: no bound
                        }
                    }
                    blocks.append(BlockRow(index: index + 1, bound: complete ? bound : .infinity))
                } else if let row = measure(layer, inputShape: shape) {
                    layers.append(row)
                }
            }
        }
        visit(model.root)
        return (layers, blocks)
    }

    /// A planned Float64 graph of the convolution operator A of a layer on one input
    /// [1] + inputShape: v ↦ (AᵀA v, A v).
    struct OperatorPlan {
        let executor: Executor<Double>
        let input: Node, forward: Node, back: Node

        init(_ w: Tensor<Double>, conv: Convolution, inputShape: [Int]) {
            let g = Graph()
            let weight = g.constant(w)
            let oneD = inputShape.count == 2
            input = g.input("v", shape: [1] + inputShape)
            forward = oneD ? input.conv1d(weight, stride: conv.stride, padding: conv.padding)
                           : input.conv2d(weight, stride: conv.stride, padding: conv.padding)
            back = oneD ? forward.transposedConv1d(weight, stride: conv.stride, padding: conv.padding, outputLength: inputShape[1])
                        : forward.transposedConv2d(weight, stride: conv.stride, padding: conv.padding,
                                                   outputSize: (inputShape[1], inputShape[2]))
            executor = Executor<Double>(graph: g, outputs: [back, forward])
        }

        /// One power-iteration step from x (normalised here): (AᵀA x̂, A x̂).
        func step(_ x: Tensor<Double>) -> (next: Tensor<Double>, image: Tensor<Double>)? {
            let n = x.scalars.map { $0 * $0 }.reduce(0, +).squareRoot()
            guard n > 0 else { return nil }
            executor.setInput(input, Tensor(shape: x.shape, scalars: x.scalars.map { $0 / n }))
            executor.run()
            return (executor.value(back), executor.value(forward))
        }
    }

    /// The unit output-space vector u = A v/‖A v‖ after `iterations` power iterations on
    /// the convolution operator A (shape of the layer's output, no batch axis).
    static func topOutputVector(_ w: Tensor<Double>, conv: Convolution, inputShape: [Int], iterations: Int) -> Tensor<Double> {
        let plan = OperatorPlan(w, conv: conv, inputShape: inputShape)
        var rng = RandomGenerator(seed: 777)
        var x = Tensor<Double>.randomNormal([1] + inputShape, rng: &rng)
        var ax = x
        for _ in 0..<max(1, iterations) {
            guard let (next, image) = plan.step(x) else { break }
            (x, ax) = (next, image)
        }
        let n = max(ax.scalars.map { $0 * $0 }.reduce(0, +).squareRoot(), 1e-12)
        return Tensor(shape: Array(ax.shape.dropFirst()), scalars: ax.scalars.map { $0 / n })
    }

    /// ‖conv‖₂ by power iteration on the operator to convergence (relative change < 1e-9
    /// or 2000 iterations), in Float64.
    static func convolutionNorm(_ w: Tensor<Double>, conv: Convolution, inputShape: [Int]) -> Double {
        let plan = OperatorPlan(w, conv: conv, inputShape: inputShape)
        var rng = RandomGenerator(seed: 12345)
        var x = Tensor<Double>.randomNormal([1] + inputShape, rng: &rng)
        var sigma = 0.0
        for _ in 0..<2000 {
            guard let (next, image) = plan.step(x) else { return 0 }
            let estimate = image.scalars.map { $0 * $0 }.reduce(0, +).squareRoot()   // ‖A x̂‖
            x = next
            if abs(estimate - sigma) <= 1e-9 * estimate { return estimate }
            sigma = estimate
        }
        return sigma
    }
}
