import NetRuntime

/// ‖A‖₂ of a locally connected layer's linear map A (its bias left out), in Float64: from
/// A's matrix and its SVD when the input has at most `LipschitzVerification.exactLimit`
/// values, otherwise by power iteration on AᵀA (Aᵀ as the graph's vector-Jacobian product)
/// until the estimate changes by less than 1e-12 relatively.
enum LinearLayerNorm {
    static func measure(_ layer: LocallyConnected, inputShape: [Int], graph: Graph, variables: VariableStore<Double>) -> Double {
        guard let weightNode = layer.weight else { return .nan }
        let w = variables.value(weightNode)
        // A graph of its own with the weight as a constant: the session's graph stays as it is.
        let g = Graph()
        let weight = g.constant(w)
        let size = inputShape.reduce(1, *)
        func linear(_ x: Node) -> Node {
            x.locallyConnected1d(weight, kernel: layer.kernel, stride: layer.stride, padding: layer.padding)
        }
        if size <= LipschitzVerification.exactLimit {
            var eye = Tensor<Double>.zeros([size, size])
            for i in 0..<size { eye[i, i] = 1 }
            let images = g.evaluate([linear(g.constant(eye.reshaped([size] + inputShape)))], as: Double.self)[0]
            // Row i is A eᵢ: the matrix is Aᵀ, with the same singular values.
            if let norm = try? spectralNorm(images.reshaped([size, images.count / size])) { return norm }
        }
        let v = g.input("v", shape: [1] + inputShape)
        let image = linear(v)
        let back = g.vjp(image, wrt: v, vector: image)
        let executor = Executor<Double>(graph: g, outputs: [back, image])
        var rng = RandomGenerator(seed: 12345)
        var x = Tensor<Double>.randomNormal([1] + inputShape, rng: &rng)
        var sigma = 0.0
        for _ in 0..<5000 {
            let n = x.scalars.map { $0 * $0 }.reduce(0, +).squareRoot()
            guard n > 0 else { return 0 }
            executor.setInput(v, Tensor(shape: x.shape, scalars: x.scalars.map { $0 / n }))
            executor.run()
            let estimate = executor.value(image).scalars.map { $0 * $0 }.reduce(0, +).squareRoot()   // ‖A x̂‖
            x = executor.value(back)
            if abs(estimate - sigma) <= 1e-12 * estimate { return estimate }
            sigma = estimate
        }
        return sigma
    }
}
