import NetRuntime

/// The top singular value and left singular vector of a linear layer's operator A (a
/// convolution, a locally connected layer) too large for an explicit matrix, by subspace
/// (block power) iteration with a Rayleigh–Ritz step.
///
/// Plain power iteration converges like (σ₂/σ₁)^2k and trained convolutions often have
/// nearly equal top singular values: after thousands of steps σ̂ can still be a few 1e-6
/// low, and a constraint measured or normalised with it ends that much above c. A block of
/// b vectors converges like (σ_{b+1}/σ₁)^2k instead, so a cluster of up to b − 1 near-top
/// values no longer slows it. Each step runs the b vectors through A and Aᵀ (A's
/// vector-Jacobian product) as one batch.
enum OperatorSubspaceIteration {
    /// (σ₁, u₁) of the linear map `linear` (x ↦ A x on a batch [N] + inputShape, built in the
    /// graph it is given), in Float64. `start` (an output-space vector such as the stored u)
    /// seeds the block's first vector with Aᵀ·start. Stops when σ̂ changes by less than 1e-14
    /// relative for three steps in a row, or after `maxIterations`.
    static func top(inputShape: [Int], start: Tensor<Double>?, block: Int = 8, maxIterations: Int = 2000,
                    linear: (Graph, Node) -> Node) -> (sigma: Double, u: Tensor<Double>) {
        let g = Graph()
        let probe = g.input("probe", shape: [1] + inputShape)
        let outputShape = Array(linear(g, probe).shape.dropFirst())
        let n = inputShape.reduce(1, *), m = outputShape.reduce(1, *)
        let b = max(1, min(block, n, m))
        let input = g.input("x", shape: [b] + inputShape)
        let image = linear(g, input)
        let back = g.vjp(image, wrt: input, vector: image)          // AᵀA x
        let executor = Executor<Double>(graph: g, outputs: [back, image])

        var rng = RandomGenerator(seed: 777)
        var x = Tensor<Double>.randomNormal([b * n], rng: &rng).scalars
        if let start, start.count == m {
            // Aᵀ·start, the vector-Jacobian product of A at any point (A is linear).
            let seed = g.constant(start.reshaped([1] + outputShape))
            let warm = g.evaluate([g.vjp(linear(g, probe), wrt: probe, vector: seed)], as: Double.self,
                                  inputs: [probe: .zeros([1] + inputShape)])[0]
            if warm.scalars.contains(where: { $0 != 0 }) { for j in 0..<n { x[j] = warm.scalars[j] } }
        }
        var sigma = 0.0, u = [Double](repeating: 0, count: m), steady = 0
        for _ in 0..<maxIterations {
            guard orthonormalizeRows(&x, rows: b, length: n) else { break }
            executor.setInput(input, Tensor(shape: [b] + inputShape, scalars: x))
            executor.run()
            // Rayleigh–Ritz on span(X): the rows of Y are A xᵢ, so Y = U S Vᵀ gives the best
            // approximations of A's top singular values, and Vᵀ's first row its u₁.
            let y = executor.value(image)
            guard let r = try? svd(y.reshaped([b, m])), let top = r.s.first else { break }
            let change = abs(top - sigma)
            sigma = top
            u = (0..<m).map { r.vt[0, $0] }
            steady = change <= 1e-14 * top ? steady + 1 : 0
            if steady >= 3 { break }
            x = executor.value(back).scalars
        }
        return (sigma, Tensor(shape: outputShape, scalars: u))
    }

    /// (σ₁, u₁) of a convolution with weight `w` on inputs of `inputShape` (its stride and
    /// padding, the bias left out).
    static func top(_ w: Tensor<Double>, conv: Convolution, inputShape: [Int], start: Tensor<Double>?) -> (sigma: Double, u: Tensor<Double>) {
        top(inputShape: inputShape, start: start) { g, x in conv.linearPart(x, weight: g.constant(w)) }
    }

    /// Modified Gram–Schmidt on the rows of a [rows, length] matrix; false when the rows
    /// are (numerically) dependent, e.g. an operator of rank below the block size.
    private static func orthonormalizeRows(_ x: inout [Double], rows: Int, length: Int) -> Bool {
        for i in 0..<rows {
            for k in 0..<i {
                var dot = 0.0
                for j in 0..<length { dot += x[i * length + j] * x[k * length + j] }
                for j in 0..<length { x[i * length + j] -= dot * x[k * length + j] }
            }
            var norm = 0.0
            for j in 0..<length { norm += x[i * length + j] * x[i * length + j] }
            norm = norm.squareRoot()
            guard norm > 1e-300 else { return false }
            for j in 0..<length { x[i * length + j] /= norm }
        }
        return true
    }
}
