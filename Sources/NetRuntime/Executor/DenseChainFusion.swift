import Foundation

/// Finds, in an executor's plan, chains of `linear` nodes each optionally followed by an
/// activation whose intermediate values are read by nothing but the next node of the
/// chain, and runs each chain as one `DenseChainOp` kernel.
///
/// That is every multi-layer perceptron evaluated without a tape: `predict`, the body g of
/// a residual block in a forward pass, and the fixed-point inverse x ← y − g(x) (Alg. 1),
/// which evaluates g 20–100 times per block. A training step does not fuse its layers:
/// their backward pass reads the pre-activations and activations, so those values have
/// further readers. The intermediate values of a fused chain get no buffer.
///
/// `isEnabled` (default on; off with the environment variable `NETL_NO_FUSION=1`) lets
/// tests compare fused and unfused plans and `netl bench` A/B runs.
public enum DenseChainFusion {
    nonisolated(unsafe) public static var isEnabled = ProcessInfo.processInfo.environment["NETL_NO_FUSION"] != "1"
    /// Rows per block of the fused kernel (nil: by the widths, see `DenseChainKernel`);
    /// `NETL_DENSE_CHAIN_ROWS` sets it for timing experiments.
    nonisolated(unsafe) public static var rowsPerBlock = ProcessInfo.processInfo.environment["NETL_DENSE_CHAIN_ROWS"].flatMap(Int.init)

    /// One fused chain: its nodes in order (the last one keeps its value), the fused op
    /// and its inputs (x, then W and b of each layer).
    struct Chain {
        var nodes: [Int]
        var operation: DenseChainOp
        var inputs: [Int]
    }

    /// The chains among `order` (the needed nodes in graph order). `root` and `pinned`
    /// are the executor's: a node that is an output or an update, or whose buffer another
    /// node aliases, ends a chain.
    static func chains(in graph: Graph, order: [Int], root: [Int], pinned: Set<Int>) -> [Chain] {
        guard isEnabled else { return [] }
        var consumers: [Int: [Int]] = [:]
        for id in order {
            for i in Set(graph.record(id).inputs) { consumers[i, default: []].append(id) }
        }
        var taken = Set<Int>()
        var chains: [Chain] = []
        for start in order where !taken.contains(start) && graph.record(start).operation is LinearOp {
            var nodes = [start]
            var activations: [UnaryFunction?] = [nil]
            var inputs = graph.record(start).inputs
            while let current = nodes.last, let next = consumers[current], next.count == 1,
                  !pinned.contains(current), root[current] == current {
                let record = graph.record(next[0])
                if record.operation is LinearOp, record.inputs[0] == current, !record.inputs[1...].contains(current) {
                    activations.append(nil)
                    inputs += record.inputs[1...]
                } else if let unary = record.operation as? UnaryOp, activations.last! == nil,
                          graph.record(current).operation is LinearOp, DenseChainOp.fuses(unary.function) {
                    activations[activations.count - 1] = unary.function
                } else {
                    break
                }
                nodes.append(next[0])
            }
            guard nodes.count >= 2 else { continue }
            taken.formUnion(nodes)
            chains.append(Chain(nodes: nodes, operation: DenseChainOp(activations: activations), inputs: inputs))
        }
        return chains
    }
}
