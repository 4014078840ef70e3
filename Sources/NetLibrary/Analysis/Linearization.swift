import NetRuntime

/// The linearisation A_P of a network prefix at an input x (Def. 3.4): on the linear region
/// P containing x the prefix is exactly F(x') = A_P x' + b_P, and A_P = A_l D_{I_{l−1}} ⋯ D_{I_1} A_1.
///
/// Computed by reverse mode as the thesis describes (Sec. 3.4.2: one vector-Jacobian
/// product per output unit): a graph applies the prefix to a batch of B copies of x and
/// takes the vjp with seeds e_{c+1} … e_{c+B}, so one run yields B rows of A_P; ⌈m/B⌉ runs
/// give all m rows. Everything runs in Float64 with the session's current parameters.
/// The graph and its executor are planned once and reused for every point.
public final class Linearization {
    public struct Result {
        /// A_P [m, n]: m output units of the prefix, n input numbers.
        public let jacobian: Tensor<Double>
        /// The prefix's output at x, flattened.
        public let output: [Double]
        /// Per ReLU step of the prefix: its name and which units are active (pre-activation
        /// > 0). Inactive units are the index set I of D_I.
        public let patterns: [(name: String, active: [Bool])]
    }

    public let network: PiecewiseLinearNetwork
    public let length: Int
    public let outputSize: Int
    private let batch: Int
    private let input: Node, seed: Node, cotangent: Node, output: Node
    private let preActivations: [(String, Node)]
    private let executor: Executor<Double>

    /// Plans the Jacobian of the first `length` steps, `chunk` vjps per run.
    public init(_ network: PiecewiseLinearNetwork, length: Int, variables: VariableStore<Double>, chunk: Int = 256) {
        precondition(length >= 1 && length <= network.steps.count)
        self.network = network
        self.length = length
        let model = network.model, graph = model.graph
        let m = network.steps[length - 1].outputSize
        outputSize = m
        batch = min(m, max(1, chunk))
        input = graph.input("linearize_x", shape: [batch] + model.inputShape)
        let context = ApplyContext(training: false)
        var h = input
        var pre: [(String, Node)] = []
        for step in network.steps.prefix(length) {
            if step.kind == .relu { pre.append((step.name, h)) }
            h = step.layer.apply(h, context)
        }
        output = h.reshaped([batch, m])
        seed = graph.input("linearize_seed", shape: [batch, m])
        cotangent = graph.vjp(output, wrt: input, vector: seed).reshaped([batch, network.inputSize])
        preActivations = pre
        executor = Executor<Double>(graph: graph, outputs: [cotangent, output] + pre.map(\.1), variables: variables)
    }

    /// A_P, the output and the activation pattern at x (x has the model's input size).
    public func evaluate(at x: [Double]) -> Result {
        let n = network.inputSize, m = outputSize
        precondition(x.count == n)
        let px = executor.inputPointer(input)
        for b in 0..<batch { for j in 0..<n { px[b * n + j] = x[j] } }
        var rows = [Double](repeating: 0, count: m * n)
        let ps = executor.inputPointer(seed)
        var start = 0
        var out: [Double] = [], patterns: [(name: String, active: [Bool])] = []
        while start < m {
            let count = min(batch, m - start)
            ps.update(repeating: 0, count: batch * m)
            for b in 0..<count { ps[b * m + start + b] = 1 }
            executor.run()
            let g = executor.pointer(cotangent)
            for b in 0..<count { for j in 0..<n { rows[(start + b) * n + j] = g[b * n + j] } }
            if start == 0 {
                out = Array(UnsafeBufferPointer(start: executor.pointer(output), count: m))
                patterns = preActivations.map { name, node in
                    let size = node.count / batch
                    return (name, Array(UnsafeBufferPointer(start: executor.pointer(node), count: size)).map { $0 > 0 })
                }
            }
            start += count
        }
        return Result(jacobian: Tensor(shape: [m, n], scalars: rows), output: out, patterns: patterns)
    }
}
