import NetLibrary
import NetRuntime

extension Interpreter {
    /// Numbers, tensors, graph nodes and rectangular numeric lists take part in tensor
    /// arithmetic.
    func isTensorLike(_ v: Value) -> Bool {
        switch v {
        case .number, .tensor, .node: return true
        case .list: return tensorValue(v) != nil
        default: return false
        }
    }

    func shapeOf(_ v: Value) -> [Int] {
        switch v {
        case let .node(n): return n.shape
        default: return tensorValue(v)?.shape ?? []
        }
    }

    /// The concrete tensor of a value: numbers are scalars, nested lists are tensor
    /// literals, graph nodes are evaluated (variables read from the session).
    func tensorValue(_ v: Value) -> Tensor<Double>? {
        switch v {
        case let .number(x): return Tensor(x)
        case let .tensor(t): return t
        case let .node(n):
            if checkOnly { return Tensor.zeros(n.shape) }
            return graph.evaluate([n], as: Float.self, variables: variables)[0].converted(to: Double.self)
        case let .list(items):
            if items.isEmpty { return Tensor(shape: [0], scalars: []) }
            let parts = items.map { tensorValue($0) }
            guard let first = parts[0], parts.allSatisfy({ $0?.shape == first.shape }) else { return nil }
            if case .list = items[0] {} else if case .number = items[0] {} else if case .tensor = items[0] {} else { return nil }
            return Tensor(shape: [items.count] + first.shape, scalars: parts.flatMap { $0!.scalars })
        default: return nil
        }
    }

    /// Runs a tensor computation: as graph nodes when any operand is a node (a loss or a
    /// differentiated function being built), at once otherwise.
    func tensorOperation(_ operands: [Value], span: SourceSpan, _ build: ([Node]) -> Node) throws -> Value {
        let symbolic = operands.contains { if case .node = $0 { return true } else { return false } }
        let g = symbolic ? graph : Graph()
        g.recordsShapeErrors = true
        let nodes: [Node] = try operands.map { v in
            if case let .node(n) = v { return n }
            guard let t = tensorValue(v) else { throw Diagnostic.error("expected a tensor, got \(describe(v))", at: span) }
            return g.constant(t)
        }
        let result = build(nodes)
        if let error = g.takeShapeError() { throw Diagnostic.error("\(error)", at: span) }
        if symbolic { return .node(result) }
        // Broadcasting and products can ask for far more memory than exists
        // (`zeros([100000, 1]) * zeros([1, 100000])`): the size limit of `zeros`.
        var pending = [result], seen: Set<Int> = []
        while let node = pending.popLast() {
            guard seen.insert(node.id).inserted else { continue }
            pending += node.inputs
            let (count, overflow) = node.shape.reduce((1, false)) { acc, d in
                let r = acc.0.multipliedReportingOverflow(by: d); return (r.partialValue, acc.1 || r.overflow)
            }
            if overflow || count > Builtins.maximumValues {
                throw Diagnostic.error("the result would hold \(overflow ? "too many" : String(count)) values (shape \(node.shape)), more than 10⁸", at: span)
            }
        }
        let value = g.evaluate([result], as: Double.self)[0]
        return value.shape.isEmpty ? .number(value.scalars[0]) : .tensor(value)
    }

    /// The value as a graph node of the session graph (constants for concrete values).
    func node(_ v: Value, span: SourceSpan) throws -> Node {
        if case let .node(n) = v { return n }
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
            guard let t = tensorValue(.node(n)) else { return "tensor \(n.shape)" }
            return t.shape.isEmpty ? formatValue(t.scalars[0]) : t.description
        case let .model(m): return m.model.summary()
        case let .dataset(d):
            var s = "data set \(d.name): \(d.count) examples of \(d.exampleShape)"
            if d.hasLabels { s += ", \(d.classCount) classes" }
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
