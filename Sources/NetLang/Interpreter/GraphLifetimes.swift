import NetRuntime

/// Graph lifetimes in the interpreter (issue 23).
///
/// Outside a loss or a differentiated function, what a statement builds in the session
/// graph — the nodes of a `grad`, a `vjp`, a Float64 prediction, a top-level read — is
/// only needed until the statement ends: its results are concrete tensors by then. So each
/// such statement releases the nodes it built (`Graph.release(from:)`), and a loop of
/// `grad` calls costs the same per iteration at the 4,000th as at the first. What outlives
/// the statement is kept: model parameters (variables), planned executors (training steps,
/// `jit`, inference and flow plans), and any node the statement stores in a name or
/// returns (`keepingNodes`) — e.g. `let w = dequantize(m.dense1.weight)`.
/// While symbolic (a loss or a `grad` body being built) nothing is released: the enclosing
/// top-level statement releases it all at once.
extension Interpreter {
    func execute(_ statement: Statement, in env: Environment) throws {
        if isSymbolic { return try perform(statement, in: env) }
        let mark = graph.count
        defer { graph.release(from: mark) }
        try perform(statement, in: env)
    }

    /// `value`, after making the graph keep every node it holds (in lists and records too).
    func keepingNodes(_ value: Value) -> Value {
        if let node = latestNode(in: value) { graph.keep(through: node) }
        return value
    }

    /// The session-graph node of a value with the largest id.
    private func latestNode(in value: Value) -> Node? {
        switch value {
        case let .node(n): return n.graph === graph ? n : nil
        case let .list(items): return items.lazy.compactMap { self.latestNode(in: $0) }.max { $0.id < $1.id }
        case let .record(fields): return fields.lazy.compactMap { self.latestNode(in: $0.1) }.max { $0.id < $1.id }
        default: return nil
        }
    }
}
