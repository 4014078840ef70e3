import NetRuntime

/// Tensors in `netl check` (issue 25): shapes, not numbers.
///
/// A check must cost nothing in proportion to the tensors a script makes: `let a =
/// randn([10000, 10000])` then `a @ a` must not draw 10⁸ numbers nor multiply them. So at
/// the top level of a check (`mode == .shapeOnly`) a tensor operation is first built as
/// graph nodes of the session graph, which runs every shape rule (a mismatch is reported at
/// the expression, as in a run) and computes nothing, and then:
///
/// - if it touches more than `checkComputedValues` values in all (operands, intermediate
///   nodes and result), it is not computed: a large result becomes a *shape-only tensor*,
///   which carries its shape and no numbers, and a small result of a large operation (a
///   `sum`, a row) becomes zeros of its shape, the placeholder a check already gives for a
///   model's outputs;
/// - otherwise it is computed as in a run, so control flow, counts and indices computed
///   from small data are exact in a check (a check of the docs' and examples' scripts takes
///   the branches a run takes).
///
/// A shape-only tensor is a graph input that is never fed (`shapeOnlyLabel`): the nodes an
/// operation built to run its shape rules are released at once, so a check's graph holds
/// one node per shape-only value a name keeps. New tensors (`zeros`, `ones`, `randn`,
/// `rand`, `bernoulli`) above the same size are shape-only from the start, and so are a
/// model's outputs on a large batch.
///
/// The tensor built-ins (`Builtins.shapeAware`: arithmetic, reductions, reshapes, `len`,
/// `shape`) take shape-only tensors as they are. Every other built-in gets zeros of their
/// shape (`readableInCheck`), as it gets zeros for a model's parameters in a check: those
/// built-ins read a graph node as a symbolic value, and most of them return a placeholder
/// in a check without reading their data anyway.
extension Interpreter {
    /// The most values a tensor operation of a check may touch and still be computed:
    /// 2¹⁶ doubles (512 KB; a 100×100 matrix product touches 30,000).
    static let checkComputedValues = 1 << 16

    /// The label of the graph inputs that stand for shape-only tensors.
    static let shapeOnlyLabel = "netl check: shape only"

    /// A tensor of `shape` with no numbers (a check's placeholder).
    func shapeOnlyTensor(_ shape: [Int]) -> Value {
        .node(graph.input(Self.shapeOnlyLabel, shape: shape))
    }

    /// Whether a value is a shape-only tensor.
    func isShapeOnly(_ v: Value) -> Bool {
        guard case let .node(n) = v, n.graph === graph else { return false }
        return (n.operation as? InputOp)?.label == Self.shapeOnlyLabel
    }

    /// An argument as a built-in that is not shape-aware reads it in a check: shape-only
    /// tensors (also inside lists) become zeros of their shape.
    func readableInCheck(_ v: Value) -> Value {
        switch v {
        case let .node(n) where isShapeOnly(v): return .tensor(.zeros(n.shape))
        case let .list(items) where items.contains(where: containsNode): return .list(items.map(readableInCheck))
        default: return v
        }
    }

    /// A new tensor made by `make`, or a shape-only one when a check would otherwise
    /// allocate more than `checkComputedValues` values.
    func newTensor(_ shape: [Int], _ make: () -> Tensor<Double>) -> Value {
        if mode == .shapeOnly, shape.holdsMoreValues(than: Self.checkComputedValues) { return shapeOnlyTensor(shape) }
        return .tensor(make())
    }

    /// A check's tensor operation (see above), or nil when it is cheap enough to compute
    /// (the caller then computes it as in a run). Throws the shape error of the operation,
    /// or the 10⁸-value limit of every node, as a run would.
    func shapeOnlyOperation(_ operands: [Value], span: SourceSpan, _ build: ([Node]) -> Node) throws -> Value? {
        let (shape, values) = try shapeAndSize(operands, span: span, build)
        if values <= Self.checkComputedValues { return nil }
        if shape.isEmpty { return .number(0) }
        return newTensor(shape) { .zeros(shape) }
    }

    /// The result's shape and the values the operation touches (every new node and the
    /// operands it reads), from its nodes, which are released again: only shapes were needed.
    private func shapeAndSize(_ operands: [Value], span: SourceSpan, _ build: ([Node]) -> Node) throws -> ([Int], Int) {
        let mark = graph.count
        defer { graph.release(from: mark) }
        let result = build(try operands.map { try node($0, span: span) })
        try checkGraphErrors(span)
        var pending = [result], seen: Set<Int> = [], total = 0
        while let node = pending.popLast() {
            guard seen.insert(node.id).inserted else { continue }
            if node.shape.holdsMoreValues(than: Builtins.maximumValues) {
                throw Diagnostic.error("the result would hold \(node.shape.elementCountDescription) values (shape \(node.shape)), more than 10⁸", at: span)
            }
            total += node.shape.reduce(1, *)
            if node.id >= mark { pending += node.inputs }   // not the operands' own history
        }
        return (result.shape, total)
    }
}
