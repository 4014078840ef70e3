/// The graph IR: a list of nodes, each an `Operation` applied to earlier nodes.
///
/// Nodes are only ever appended and only refer to earlier nodes, so the order of the
/// list is a topological order: the executor runs them in that order and autodiff walks
/// it backwards. A graph holds no numbers except the initial values of its variables and
/// its constants; an `Executor` plans buffers for the part of the graph it needs and
/// runs it many times.
public final class Graph: @unchecked Sendable {
    struct Record {
        let operation: any Operation
        let inputs: [Int]
        let shape: [Int]
    }

    private(set) var records: [Record] = []
    /// Initial values of variables, by node id (Float64 so both precisions start equal).
    private(set) var initialValues: [Int: Tensor<Double>] = [:]
    /// Variables in creation order.
    public private(set) var variables: [Node] = []
    /// Inputs in creation order.
    public private(set) var inputs: [Node] = []

    public init() {}

    /// Nodes below this id survive `release(from:)` (see `GraphLifetimes.swift`).
    public internal(set) var keptCount = 0

    /// Removes the nodes from id `first` on, with their memo entries and input records.
    func dropRecords(from first: Int) {
        precondition(first >= keptCount, "releasing kept nodes")
        records.removeSubrange(first...)
        while let last = inputs.last, last.id >= first { inputs.removeLast() }
        while let last = memoOrder.last, last.id >= first { memo[last.key] = nil; memoOrder.removeLast() }
    }

    /// The number of nodes.
    public var count: Int { records.count }

    func record(_ id: Int) -> Record {
        precondition(id < records.count, "node %\(id) was released (the graph holds \(records.count) nodes)")
        return records[id]
    }

    /// Appends `operation` applied to `inputs`, checking shapes; throws a `ShapeError`
    /// when they do not fit. The language front end calls this form.
    public func checkedApply(_ operation: any Operation, _ inputs: [Node]) throws -> Node {
        for x in inputs { precondition(x.graph === self, "node from another graph") }
        let shape = try operation.outputShape(inputs.map(\.shape))
        records.append(Record(operation: operation, inputs: inputs.map(\.id), shape: shape))
        return Node(graph: self, id: records.count - 1)
    }

    /// Appends `operation` applied to `inputs`. Shapes that do not fit are a programming
    /// error here (the language checks them first, through `checkedApply`) — unless
    /// `recordsShapeErrors` is set: then the first error is kept in `shapeError` and a
    /// placeholder node stands in, so an interpreter can report the error instead of
    /// stopping.
    public func apply(_ operation: any Operation, _ inputs: [Node]) -> Node {
        do { return try checkedApply(operation, inputs) } catch {
            guard recordsShapeErrors else { preconditionFailure("\(operation.name): \(error)") }
            if shapeError == nil { shapeError = ShapeError("\(operation.name): \(error)") }
            let shape = inputs.first?.shape ?? [1]
            records.append(Record(operation: InvalidOp(shape: shape), inputs: inputs.map(\.id), shape: shape))
            return Node(graph: self, id: records.count - 1)
        }
    }

    /// Whether `apply` records shape errors instead of stopping (see `apply`).
    public var recordsShapeErrors = false
    /// The first shape error recorded since the last `takeShapeError()`.
    public private(set) var shapeError: ShapeError?

    /// Whether vector-Jacobian products of ELU read elu'(x) from one table per
    /// pre-activation (`TabulatedScaleOp`) instead of recomputing eˣ in every fused pass.
    /// Same values either way; off only to compare the two graphs in tests.
    public var tabulatesActivationDerivatives = true
    /// Nodes built once per key (`memoized`): pure values that several parts of the
    /// graph share, such as derivative tables. Ids, so the graph holds no `Node` (a cycle).
    private var memo: [String: Int] = [:]
    /// The memo's keys in the order their nodes were made (so ascending ids), for `release`.
    private var memoOrder: [(key: String, id: Int)] = []

    /// The node stored under `key`, made by `make` on first use.
    func memoized(_ key: String, _ make: () -> Node) -> Node {
        if let id = memo[key] { return Node(graph: self, id: id) }
        let node = make()
        memo[key] = node.id
        memoOrder.append((key, node.id))
        return node
    }

    /// Returns and clears the recorded shape error.
    public func takeShapeError() -> ShapeError? {
        defer { shapeError = nil }
        return shapeError
    }

    // MARK: Leaves

    /// A value supplied at every execution (a batch of data, labels, a probe).
    public func input(_ name: String, shape: [Int]) -> Node {
        let node = apply(InputOp(label: name, shape: shape), [])
        inputs.append(node)
        return node
    }

    /// Persistent state with an initial value: a parameter (`trainable`) or a buffer such
    /// as the power-iteration vector of a spectral norm.
    public func variable(_ name: String, _ initial: Tensor<Double>, trainable: Bool = true) -> Node {
        let node = apply(VariableOp(label: name, shape: initial.shape, trainable: trainable), [])
        initialValues[node.id] = initial
        variables.append(node)
        keep(through: node)
        return node
    }

    /// A constant tensor.
    public func constant(_ value: Tensor<Double>) -> Node {
        apply(ConstantOp(value: value), [])
    }

    /// A constant filled with one number.
    public func constant(_ value: Double, shape: [Int] = []) -> Node {
        constant(Tensor(repeating: value, shape: shape))
    }

    /// The variables that are trained.
    public var trainableVariables: [Node] {
        variables.filter { ($0.operation as? VariableOp)?.trainable == true }
    }

    func initialValue(_ variable: Node) -> Tensor<Double> { initialValues[variable.id]! }

    /// A variable's initial value (before any executor changed it).
    public func initialValue(of variable: Node) -> Tensor<Double>? { initialValues[variable.id] }

    /// Replaces a variable's initial value (used before any executor is built, e.g. to
    /// load a checkpoint into a fresh graph).
    public func setInitialValue(_ variable: Node, _ value: Tensor<Double>) {
        precondition(value.shape == variable.shape, "shape \(value.shape) for variable of shape \(variable.shape)")
        initialValues[variable.id] = value
    }
}

/// A handle to a node of a graph: what graph-building code passes around.
public struct Node: Hashable, @unchecked Sendable, CustomStringConvertible {
    public let graph: Graph
    public let id: Int

    public var shape: [Int] { graph.record(id).shape }
    public var rank: Int { shape.count }
    public var count: Int { shape.reduce(1, *) }
    public var operation: any Operation { graph.record(id).operation }
    public var inputs: [Node] { graph.record(id).inputs.map { Node(graph: graph, id: $0) } }

    public static func == (a: Node, b: Node) -> Bool { a.graph === b.graph && a.id == b.id }
    public func hash(into h: inout Hasher) { h.combine(id) }

    public var description: String { "%\(id) = \(operation.name)\(shape)" }
}
