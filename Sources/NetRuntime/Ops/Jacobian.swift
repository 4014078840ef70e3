extension Graph {
    /// The Jacobian of y = f(x) per sample, for batch-first y [N, m…] and x [N, d…] where
    /// sample i of y depends only on sample i of x: [N, m, d] (m, d the flattened sizes),
    /// from m vector-Jacobian products with one-hot seeds (Def. 2.28). Differentiable.
    public func batchJacobian(of y: Node, wrt x: Node) -> Node {
        let n = y.shape[0], m = y.count / n, d = x.count / n
        let rows: [Node] = (0..<m).map { i in
            var seed = Tensor<Double>.zeros([n, m])
            for s in 0..<n { seed[s, i] = 1 }
            return vjp(y, wrt: x, vector: constant(seed.reshaped(y.shape))).reshaped([n, 1, d])
        }
        return concat(rows, axis: 1)
    }
}
