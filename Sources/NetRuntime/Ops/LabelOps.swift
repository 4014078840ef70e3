/// Picks x[n, labels[n]] from logits-like x [N, C] with integer labels [N] stored as
/// numbers: the core of cross-entropy with integer labels. A label that is not a whole
/// number 0…C−1 picks NaN (the loss becomes NaN and training stops with a diagnostic).
public struct TakeLabelOp: Operation {
    public var name: String { "take_label" }
    public func outputShape(_ inputs: [[Int]]) throws -> [Int] {
        guard inputs[0].count == 2, inputs[1] == [inputs[0][0]] else {
            throw ShapeError("take_label needs [N, C] values and [N] labels, got \(inputs[0]) and \(inputs[1])")
        }
        return [inputs[0][0]]
    }
    public func vjp(_ graph: Graph, inputs: [Node], output: Node, gradient: Node) -> [Node?] {
        [graph.apply(PlaceLabelOp(classes: inputs[0].shape[1]), [gradient, inputs[1]]), nil]
    }
    @_specialize(where T == Float) @_specialize(where T == Double)
    public func makeKernel<T: NetScalar>(_ context: KernelContext<T>) -> Kernel {
        let x = context.inputs[0], labels = context.inputs[1], y = context.output
        let n = context.inputShapes[0][0], c = context.inputShapes[0][1]
        return {
            for i in 0..<n {
                let v = labels[i], l = Swift.abs(v) < 1e9 && v == v.rounded() ? Int(v) : -1   // 0.5 is no class (it was truncated to 0)
                y[i] = l >= 0 && l < c ? x[i * c + l] : T.nan
            }
        }
    }
}

/// The adjoint of `TakeLabelOp`: g [N] placed at column labels[n] of zeros [N, C].
public struct PlaceLabelOp: Operation {
    public let classes: Int
    public var name: String { "place_label" }
    public func outputShape(_ inputs: [[Int]]) throws -> [Int] { [inputs[0][0], classes] }
    public func vjp(_ graph: Graph, inputs: [Node], output: Node, gradient: Node) -> [Node?] {
        [graph.apply(TakeLabelOp(), [gradient, inputs[1]]), nil]
    }
    @_specialize(where T == Float) @_specialize(where T == Double)
    public func makeKernel<T: NetScalar>(_ context: KernelContext<T>) -> Kernel {
        let g = context.inputs[0], labels = context.inputs[1], y = context.output
        let n = context.inputShapes[0][0], c = classes
        return {
            for i in 0..<(n * c) { y[i] = 0 }
            for i in 0..<n {
                let v = labels[i], l = Swift.abs(v) < 1e9 && v == v.rounded() ? Int(v) : -1   // 0.5 is no class (it was truncated to 0)
                if l >= 0 && l < c { y[i * c + l] = g[i] }
            }
        }
    }
}

extension Node {
    /// Mean softmax cross-entropy of logits [N, C] against integer labels [N].
    public func crossEntropy(labels: Node) -> Node {
        -graph.apply(TakeLabelOp(), [logSoftmax(axis: -1), labels]).mean()
    }

    /// Mean squared error.
    public func meanSquaredError(_ target: Node) -> Node { (self - target).square().mean() }
}
