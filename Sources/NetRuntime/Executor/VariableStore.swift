/// The values of a graph's variables (parameters and persistent buffers) in one
/// precision. Several executors of the same graph share a store: a training step, an
/// evaluation pass and an inverse all see the same weights, and optimisers update them
/// in place.
public final class VariableStore<T: NetScalar>: @unchecked Sendable {
    public let graph: Graph
    private var buffers: [Int: UnsafeMutableBufferPointer<T>] = [:]

    /// A store holding every variable's initial value.
    public init(_ graph: Graph) {
        self.graph = graph
        syncWithGraph()
    }

    /// Adds storage for variables created after this store (e.g. by later script lines).
    public func syncWithGraph() {
        for v in graph.variables where buffers[v.id] == nil {
            let initial = graph.initialValue(v)
            let buffer = UnsafeMutableBufferPointer<T>.allocate(capacity: max(initial.count, 1))
            for (i, x) in initial.scalars.enumerated() { buffer[i] = T(x) }
            buffers[v.id] = buffer
        }
    }

    /// A copy of every variable's current value in another precision (Float64 checks of a
    /// Float32 model: Jacobians, exact norms, derivatives).
    public init<S: NetScalar>(converting other: VariableStore<S>) {
        graph = other.graph
        other.graph.variables.forEach { v in
            let source = other.buffer(v)
            let buffer = UnsafeMutableBufferPointer<T>.allocate(capacity: source.count)
            for i in 0..<source.count { buffer[i] = T(source[i]) }
            buffers[v.id] = buffer
        }
    }

    deinit { for b in buffers.values { b.deallocate() } }

    /// The storage of a variable (stable for the store's lifetime).
    public func buffer(_ variable: Node) -> UnsafeMutableBufferPointer<T> {
        guard let b = buffers[variable.id] else { preconditionFailure("\(variable) is not a variable of this store") }
        return b
    }

    /// A copy of a variable's value.
    public func value(_ variable: Node) -> Tensor<T> {
        let b = buffer(variable)
        return Tensor(shape: variable.shape, scalars: Array(b.prefix(variable.count)))
    }

    /// Overwrites a variable's value.
    public func assign(_ variable: Node, _ value: Tensor<T>) {
        precondition(value.shape == variable.shape, "shape \(value.shape) for variable of shape \(variable.shape)")
        let b = buffer(variable)
        for (i, x) in value.scalars.enumerated() { b[i] = x }
    }
}
