import NetLibrary
import NetRuntime

extension Interpreter {
    /// Numbers, tensors, graph nodes and rectangular numeric lists take part in tensor
    /// arithmetic.
    func isTensorLike(_ v: Value) -> Bool {
        switch v {
        case .number, .tensor, .node: return true
        case .list: return listShape(v) != nil
        default: return false
        }
    }

    func shapeOf(_ v: Value) -> [Int] {
        switch v {
        case let .node(n): return n.shape
        case let .tensor(t): return t.shape
        case .list: return listShape(v) ?? []
        default: return []
        }
    }

    /// The shape of a rectangular list of numbers, tensors and nodes (nil if it is not one),
    /// found without computing anything.
    private func listShape(_ v: Value) -> [Int]? {
        switch v {
        case .number: return []
        case let .tensor(t): return t.shape
        case let .node(n): return n.shape
        case let .list(items):
            guard let first = items.first else { return [0] }
            guard let inner = listShape(first) else { return nil }
            for item in items.dropFirst() { guard listShape(item) == inner else { return nil } }
            return [items.count] + inner
        default: return nil
        }
    }

    /// Whether tensor expressions become graph nodes rather than numbers: inside a loss
    /// (a `train` block) and inside a function being differentiated (`grad`, `vjp`,
    /// `jacobian`) or compiled (`jit`). At the top level every tensor expression is
    /// computed at once (a snapshot, as in NumPy and PyTorch).
    var isSymbolic: Bool { symbolicContext != nil }

    /// The mode the current expression evaluates in (what a built-in's context carries).
    var mode: EvaluationMode { .of(symbolic: isSymbolic, topLevel: topLevelMode) }

    /// Whether a value is, or contains, a graph node.
    func containsNode(_ v: Value) -> Bool {
        switch v {
        case .node: return true
        case let .list(items): return items.contains(where: containsNode)
        default: return false
        }
    }

    /// The concrete tensor of a value: numbers are scalars, nested lists are tensor
    /// literals, graph nodes are evaluated (variables read from the session).
    ///
    /// While expressions are symbolic, a node has no numbers yet (it depends on the point
    /// being differentiated, or on parameters being trained): asking for them marks
    /// `neededNumbersOfNode` and gives nil (so the built-in stops before any side effect),
    /// and the built-in fails with an error naming it (`Builtins.install`). Computing it
    /// on placeholder numbers would make its derivative silently zero.
    func tensorValue(_ v: Value) -> Tensor<Double>? {
        switch v {
        case let .number(x): return Tensor(x)
        case let .tensor(t): return t
        case let .node(n):
            if isSymbolic { neededNumbersOfNode = true; return nil }
            if mode == .shapeOnly { return Tensor.zeros(n.shape) }   // a parameter or a shape-only tensor
            return graph.evaluate([n], as: Float.self, variables: variables)[0].converted(to: Double.self)
        case let .list(items):
            guard let shape = listShape(v) else { return nil }
            if items.isEmpty { return Tensor(shape: [0], scalars: []) }
            var scalars: [Double] = []
            scalars.reserveCapacity(shape.reduce(1, *))
            for item in items { guard let t = tensorValue(item) else { return nil }; scalars += t.scalars }
            return Tensor(shape: shape, scalars: scalars)
        default: return nil
        }
    }

    /// Runs a tensor computation: as graph nodes of the session graph while expressions
    /// are symbolic and an operand is a node, at once otherwise. At the top level, nodes
    /// (parameters such as `m.dense1.weight`) are read now, so the result is a snapshot
    /// that later `assign`, `load` or training does not change.
    func tensorOperation(_ operands: [Value], span: SourceSpan, _ build: ([Node]) -> Node) throws -> Value {
        // netl check: shapes, and numbers only when cheap (ShapeOnlyTensors.swift).
        if mode == .shapeOnly, let value = try shapeOnlyOperation(operands, span: span, build) { return value }
        let symbolic = isSymbolic && operands.contains(where: containsNode)
        let g = symbolic ? graph : Graph()
        if !symbolic { g.recordsShapeErrors = true }   // the session graph always does
        let nodes: [Node] = try operands.map { v in
            if symbolic { return try node(v, span: span) }
            guard let t = tensorValue(v) else { throw Diagnostic.error("expected a tensor, got \(describe(v))", at: span) }
            return g.constant(t)
        }
        let result = build(nodes)
        if let error = g.takeShapeError() { throw Diagnostic.error("\(error)", at: span) }
        if symbolic { return .node(result) }
        // Broadcasting and products can ask for far more memory than exists
        // (`zeros([100000, 1]) * zeros([1, 100000])`): the size limit of `zeros`.
        var pending = [result], seen: Set<Int> = []
        var total = 0
        while let node = pending.popLast() {
            guard seen.insert(node.id).inserted else { continue }
            pending += node.inputs
            if node.shape.holdsMoreValues(than: Builtins.maximumValues) {
                throw Diagnostic.error("the result would hold \(node.shape.elementCountDescription) values (shape \(node.shape)), more than 10⁸", at: span)
            }
            total += node.shape.reduce(1, *)
        }
        // Every node of the evaluation is a buffer (the constants are copies of the operands).
        if topLevelMode != .shapeOnly { try reserveMemory(values: total, span: span) }
        let value = g.evaluate([result], as: Double.self)[0]
        return value.shape.isEmpty ? .number(value.scalars[0]) : .tensor(value)
    }

    /// The value as a graph node of the session graph: constants for concrete values,
    /// lists holding nodes stacked along a new first axis.
    func node(_ v: Value, span: SourceSpan) throws -> Node {
        if case let .node(n) = v { return n }
        if case let .list(items) = v, containsNode(v), listShape(v) != nil {
            let parts = try items.map { item -> Node in
                let n = try node(item, span: span)
                return n.reshaped([1] + n.shape)
            }
            return parts.count == 1 ? parts[0] : NetRuntime.concat(parts, axis: 0)
        }
        guard let t = tensorValue(v) else { throw Diagnostic.error("expected a tensor, got \(describe(v))", at: span) }
        return graph.constant(t)
    }

    /// How `print` and the REPL show a value.
    public func display(_ v: Value) -> String {
        switch v {
        case .none: return "nothing"
        case let .number(x): return formatValue(x)
        case let .string(s): return s
        case let .boolean(b): return b ? "true" : "false"
        case let .list(items):
            if let t = tensorValue(v), t.rank >= 2 { return t.description }
            return "[" + items.map(display).joined(separator: ", ") + "]"
        case let .tensor(t): return t.shape.isEmpty ? formatValue(t.scalars[0]) : t.description
        case let .node(n):
            if isSymbolic {
                neededNumbersOfNode = true   // a built-in showing it (table) is not differentiable
                return "tensor \(n.shape) (symbolic: computed when the function is evaluated)"
            }
            guard let t = tensorValue(.node(n)) else { return "tensor \(n.shape)" }
            return t.shape.isEmpty ? formatValue(t.scalars[0]) : t.description
        case let .model(m): return m.model.summary()
        case let .dataset(d):
            var s = "data set \(d.name): \(d.count) examples of \(d.exampleShape)"
            if d.hasLabels, let classes = d.classCount { s += ", \(classes) classes" }
            if !d.parts.isEmpty { s += "; parts " + d.parts.map { "\($0.0) (\($0.1.count))" }.joined(separator: ", ") }
            return s
        case let .function(f): return "function \(f.name)"
        case let .block(b): return "block \(b.definition.name)(\(b.definition.parameters.map(\.name).joined(separator: ", ")))"
        case let .optimizer(o): return "optimizer \(o.name)(lr: \(formatValue(o.learningRate)))"
        case .schedule: return "learning-rate schedule"
        case let .record(fields):
            return "{" + fields.map { "\($0.0): \(display($0.1))" }.joined(separator: ", ") + "}"
        }
    }
}

/// Planned inference executors of a model, one per batch size, reused across calls.
final class InferencePlan {
    let model: Model
    let variables: VariableStore<Float>
    private var executors: [Int: (Executor<Float>, Node, Node)] = [:]

    init(model: Model, variables: VariableStore<Float>) {
        self.model = model
        self.variables = variables
    }

    /// The model's outputs for a batch [N] + inputShape, computed in chunks of at most 256.
    func predict(_ x: Tensor<Double>) -> Tensor<Double> {
        let n = x.shape[0], width = x.count / max(n, 1)
        let outWidth = model.outputShape.reduce(1, *)
        var out = [Double](repeating: 0, count: n * outWidth)
        var start = 0
        while start < n {
            let size = Swift.min(256, n - start)
            let (exec, input, output) = executor(batch: size)
            let p = exec.inputPointer(input)
            for i in 0..<(size * width) { p[i] = Float(x.scalars[start * width + i]) }
            exec.run()
            let o = exec.pointer(output)
            for i in 0..<(size * outWidth) { out[start * outWidth + i] = Double(o[i]) }
            start += size
        }
        return Tensor(shape: [n] + model.outputShape, scalars: out)
    }

    private func executor(batch: Int) -> (Executor<Float>, Node, Node) {
        if let e = executors[batch] { return e }
        let g = model.graph
        let input = g.input("\(model.name).inference_x", shape: [batch] + model.inputShape)
        let output = model.apply(input, ApplyContext(training: false))
        let e = (Executor<Float>(graph: g, outputs: [output], variables: variables), input, output)
        executors[batch] = e
        return e
    }
}

extension Interpreter {
    /// The model's inference plan (created on first use).
    func inference(_ model: Model) -> InferencePlan {
        if let p = inferencePlans[ObjectIdentifier(model)] { return p }
        let p = InferencePlan(model: model, variables: variables)
        inferencePlans[ObjectIdentifier(model)] = p
        return p
    }
}

extension Interpreter {
    /// "[2, 3]" for tensors, "model mlp: [N, 64] → [N, 10]" for models (REPL `:shape`).
    public func shapeDescription(_ v: Value) -> String {
        switch v {
        case .tensor, .node, .number: return "\(shapeOf(v))"
        case let .list(items): return isTensorLike(v) ? "\(shapeOf(v))" : "list of \(items.count)"
        case let .model(m): return "model \(m.name): [N, \(m.model.inputShape.map(String.init).joined(separator: ", "))] → [N, \(m.model.outputShape.map(String.init).joined(separator: ", "))]"
        case let .dataset(d): return "data set: [\(d.count), \(d.exampleShape.map(String.init).joined(separator: ", "))]"
        default: return v.typeName
        }
    }
}
