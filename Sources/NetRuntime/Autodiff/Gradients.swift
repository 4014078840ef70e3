/// Reverse-mode automatic differentiation as a graph transformation.
///
/// `gradients(of:wrt:)` walks the graph backwards from `y` and appends, for each node on
/// a path from the `xs` to `y`, its vector-Jacobian product (Def. 2.28 of the thesis) as
/// new graph nodes. Because those nodes are ordinary differentiable operations, the
/// result can be differentiated again: gradients of vector-Jacobian products, which is
/// what training the power-series log-determinant needs (thesis Alg. 2; PyTorch's
/// `create_graph=True`, JAX's composable `grad`). Nothing runs here: an `Executor`
/// plans and runs whatever part of the graph is asked for.
extension Graph {
    /// The vector-Jacobian product vᵀ·∂y/∂x for each x in `xs` (Remark 2.29), with
    /// v = `seed` (default: 1, which needs a scalar y). Inputs on which y does not depend
    /// get a zero gradient.
    public func gradients(of y: Node, wrt xs: [Node], seed: Node? = nil) -> [Node] {
        precondition(y.graph === self && xs.allSatisfy { $0.graph === self })
        let seed = seed ?? {
            precondition(y.count == 1, "gradients(of:) of a non-scalar \(y.shape) needs a seed (use vjp)")
            return constant(1, shape: y.shape)
        }()
        precondition(seed.shape == y.shape, "seed shape \(seed.shape) differs from \(y.shape)")

        // Nodes that depend on some x: only their cotangents are worth building.
        let targets = Set(xs.map(\.id))
        var dependsOnX = [Bool](repeating: false, count: y.id + 1)
        for id in 0...y.id {
            dependsOnX[id] = targets.contains(id) || records[id].inputs.contains { dependsOnX[$0] }
        }

        var cotangent: [Int: Node] = [y.id: seed]
        for id in stride(from: y.id, through: 0, by: -1) {
            guard let g = cotangent[id], dependsOnX[id] else { continue }
            let record = records[id]
            if record.inputs.isEmpty { continue }
            let node = Node(graph: self, id: id)
            let inputs = node.inputs
            let contributions = record.operation.vjp(self, inputs: inputs, output: node, gradient: g)
            for (input, contribution) in zip(inputs, contributions) {
                guard let c = contribution, dependsOnX[input.id] else { continue }
                precondition(c.shape == input.shape,
                             "\(record.operation.name): gradient shape \(c.shape) for input \(input.shape)")
                cotangent[input.id] = cotangent[input.id].map { $0 + c } ?? c
            }
        }
        return xs.map { cotangent[$0.id] ?? constant(0, shape: $0.shape) }
    }

    /// The gradient of a scalar with respect to one node.
    public func gradient(of y: Node, wrt x: Node) -> Node { gradients(of: y, wrt: [x])[0] }

    /// The vector-Jacobian product vᵀ·J_f(x) of a vector function y = f(x).
    public func vjp(_ y: Node, wrt x: Node, vector v: Node) -> Node {
        gradients(of: y, wrt: [x], seed: v)[0]
    }
}
