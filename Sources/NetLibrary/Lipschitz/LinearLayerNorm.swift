import NetRuntime

/// ‖A‖₂ of a locally connected layer's linear map A (its bias left out), in Float64: from
/// A's matrix and its SVD when the input has at most `LipschitzVerification.exactLimit`
/// values, otherwise by subspace iteration on AᵀA (`OperatorSubspaceIteration`).
enum LinearLayerNorm {
    static func measure(_ layer: LocallyConnected, inputShape: [Int], variables: VariableStore<Double>) -> Double {
        guard let weightNode = layer.weight else { return .nan }
        let w = variables.value(weightNode)
        // Graphs of their own with the weight as a constant: the session's graph stays as it is.
        let linear: (Graph, Node) -> Node = { g, x in
            x.locallyConnected1d(g.constant(w), kernel: layer.kernel, stride: layer.stride, padding: layer.padding)
        }
        if let transposed = LipschitzVerification.transposedOperatorMatrix(inputShape: inputShape, linear: linear),
           let norm = try? spectralNorm(transposed) { return norm }
        return OperatorSubspaceIteration.top(inputShape: inputShape, start: nil, linear: linear).sigma
    }
}
