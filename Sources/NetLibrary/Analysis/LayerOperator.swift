import NetRuntime

/// One affine step of a network as y = A·x + b on flattened vectors: a dense layer's
/// weight, or a convolution's operator matrix (Def. 2.23; strides and padding included),
/// for the preimage analysis of a ReLU layer ReLU(A·x + b) (Thm 3.3).
public enum LayerOperator {
    /// A [m, n] and b [m] of an affine step. The columns of A are the step's bias-free
    /// linear map applied to the n unit vectors (one batched evaluation in Float64), b is
    /// the step applied to 0.
    public static func affine(_ step: PiecewiseLinearNetwork.Step, in network: PiecewiseLinearNetwork,
                              variables: VariableStore<Double>) throws -> (weight: Tensor<Double>, bias: [Double]) {
        guard step.kind == .affine else { throw PiecewiseLinearNetwork.Unsupported(description: "\(step.name) is not a dense or convolutional layer") }
        let graph = network.model.graph
        let n = step.inputShape.reduce(1, *), m = step.outputSize
        var identity = Tensor<Double>.zeros([n, n])
        for i in 0..<n { identity.scalars[i * n + i] = 1 }
        let columns = try PiecewiseLinearNetwork.linearPart(step, graph.constant(identity.reshaped([n] + step.inputShape))).reshaped([n, m])
        let bias = step.layer.apply(graph.constant(.zeros([1] + step.inputShape)), ApplyContext(training: false)).reshaped([m])
        let values = graph.evaluate([columns, bias], as: Double.self, variables: variables)
        var a = Tensor<Double>.zeros([m, n])
        for j in 0..<n { for i in 0..<m { a.scalars[i * n + j] = values[0].scalars[j * m + i] } }
        return (a, values[1].scalars)
    }

    /// The input of step `index` (0-based) when the network's input is x: the output of the
    /// steps before it (x itself for the first step), flattened.
    public static func input(ofStep index: Int, in network: PiecewiseLinearNetwork, at x: [Double],
                             variables: VariableStore<Double>) -> [Double] {
        guard index > 0 else { return x }
        let graph = network.model.graph
        let context = ApplyContext(training: false)
        let start = graph.constant(Tensor(shape: [1] + network.model.inputShape, scalars: x))
        let out = network.steps.prefix(index).reduce(start) { $1.layer.apply($0, context) }
        return graph.evaluate([out], as: Double.self, variables: variables)[0].scalars
    }
}
