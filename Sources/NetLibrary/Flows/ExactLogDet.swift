import NetRuntime

/// The exact log|det(I + J_g(x))| per sample: the full Jacobian from vector-Jacobian
/// products and LU. Costs d vector-Jacobian products, so it is for small d — the oracle
/// against which the power-series estimator is tested, and exact training on 2-D data.
public enum ExactLogDet {
    public static func logAbsDet(identityPlus g: Node, input x: Node) -> Node {
        let graph = x.graph
        let n = x.shape[0], d = x.count / n
        let jacobian = graph.batchJacobian(of: g, wrt: x)
        var eye = Tensor<Double>.zeros([1, d, d])
        for i in 0..<d { eye[0, i, i] = 1 }
        return (jacobian + graph.constant(eye)).logAbsDeterminant()
    }
}
