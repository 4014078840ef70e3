import NetLibrary
import NetRuntime

extension Interpreter {
    /// Evaluates an expression. Tensor arithmetic is computed at once at the top level and
    /// recorded as graph nodes while a loss or a differentiated function is being built.
    public func evaluate(_ e: Expression, in env: Environment) throws -> Value {
        try enterExpression(e)
        defer { expressionDepth -= 1 }
        switch e {
        case let .number(x, _): return .number(x)
        case let .string(s, _): return .string(s)
        case let .boolean(b, _): return .boolean(b)
        case let .identifier(name, span):
            if let v = env.lookup(name) { return v }
            let hint = didYouMean(name, among: env.allNames)
            throw Diagnostic.error("'\(name)' is not defined\(hint)", at: span)
        case let .list(items, _):
            return .list(try items.map { try evaluate($0, in: env) })
        case let .unary(op, operand, span):
            return try unary(op, try evaluate(operand, in: env), span: span)
        case .binary:
            return try evaluateBinaryChain(e, in: env)
        case .call, .member, .index:
            return try evaluatePostfixChain(e, in: env)
        case let .lambda(parameters, body, _):
            return .function(Callable(name: "function") { [unowned self] args, span in
                try enterCall("function", at: span)
                defer { leaveCall() }
                let inner = Environment(parent: env)
                try bind(parameters: parameters, arguments: args, into: inner, function: "function", span: span, defaultsIn: env)
                if body.count == 1, case let .returnValue(value, _) = body[0] { return try evaluate(value, in: inner) }
                do { try execute(body, in: inner) } catch let signal as ReturnSignal { return signal.value }
                return .none
            })
        }
    }

    // MARK: Calls

    func call(_ f: Value, _ args: [ArgumentValue], span: SourceSpan, calleeSpan: SourceSpan) throws -> Value {
        switch f {
        case let .function(callable):
            let result = try callable.call(args, span)
            // A built-in that stopped early on Ctrl-C (a generator, an inverse) must not
            // hand back its partial result.
            try pollInterruption(at: span)
            try checkGraphErrors(span)
            return result
        case let .model(m):
            guard args.count == 1, args[0].label == nil else {
                throw Diagnostic.error("a model is applied to one input: \(m.name)(x)", at: span)
            }
            return try applyModel(m, args[0].value, span: args[0].span)
        case .block:
            throw Diagnostic.error("a block is used inside a model body, not called as a function", at: calleeSpan)
        default:
            throw Diagnostic.error("\(describe(f)) cannot be called", at: calleeSpan)
        }
    }

    /// The model applied to an input: symbolically inside a loss or a differentiated
    /// function (whatever the input: the parameters are graph variables), by inference
    /// otherwise. The input is a batch [N, …] or, in both modes,
    /// one example of the model's input shape (the result then has no batch axis either).
    func applyModel(_ m: ModelValue, _ input: Value, span: SourceSpan) throws -> Value {
        let model = m.model
        guard isTensorLike(input) else {
            throw Diagnostic.error("model '\(m.name)' is applied to a tensor, got \(describe(input))", at: span)
        }
        let shape = shapeOf(input)
        let single = shape == model.inputShape
        guard single || (!shape.isEmpty && Array(shape.dropFirst()) == model.inputShape) else {
            throw Diagnostic.error("model '\(m.name)' expects inputs [N, \(model.inputShape.map(String.init).joined(separator: ", "))], got \(shape)", at: span)
        }
        try checkActivations(m, batch: single ? 1 : shape[0], span: span)
        // Symbolic even for concrete data: the parameters are being differentiated or trained.
        if isSymbolic {
            let x = try node(input, span: span)
            let y = model.apply(single ? x.reshaped([1] + x.shape) : x, symbolicContext!)
            return .node(single ? y.reshaped(Array(y.shape.dropFirst())) : y)
        }
        if topLevelMode == .shapeOnly {
            // The outputs' shape, without reading the input (it may be shape-only).
            let outputShape = (single ? [] : [shape[0]]) + model.outputShape
            return newTensor(outputShape) { .zeros(outputShape) }
        }
        guard let t = tensorValue(input) else {
            throw Diagnostic.error("model '\(m.name)' is applied to a tensor, got \(describe(input))", at: span)
        }
        let batch = single ? t.reshaped([1] + t.shape) : t
        let out = inference(model).predict(batch)
        return .tensor(single ? out.reshaped(Array(out.shape.dropFirst())) : out)
    }

    func checkGraphErrors(_ span: SourceSpan) throws {
        if let error = graph.takeShapeError() { throw Diagnostic.error("\(error)", at: span) }
    }

    // MARK: Operators

    func unary(_ op: UnaryOperator, _ v: Value, span: SourceSpan) throws -> Value {
        switch (op, v) {
        case (.not, let .boolean(b)): return .boolean(!b)
        case (.plus, .number), (.plus, .tensor), (.plus, .node): return v
        case (.negate, let .number(x)): return .number(-x)
        case (.negate, _) where isTensorLike(v): return try tensorOperation([v], span: span) { -$0[0] }
        default: throw Diagnostic.error("'\(op.rawValue)' does not apply to \(describe(v))", at: span)
        }
    }

    func binary(_ op: BinaryOperator, _ a: Value, _ b: Value, span: SourceSpan) throws -> Value {
        switch (a, b) {
        case let (.number(x), .number(y)):
            switch op {
            case .add: return .number(x + y)
            case .subtract: return .number(x - y)
            case .multiply: return .number(x * y)
            case .divide: return .number(x / y)
            case .modulo: return .number(x.truncatingRemainder(dividingBy: y))
            case .power: return .number(Foundation.pow(x, y))
            case .equal: return .boolean(x == y)
            case .notEqual: return .boolean(x != y)
            case .less: return .boolean(x < y)
            case .lessEqual: return .boolean(x <= y)
            case .greater: return .boolean(x > y)
            case .greaterEqual: return .boolean(x >= y)
            case .matmul: throw Diagnostic.error("'@' multiplies matrices, not numbers", at: span)
            case .and, .or: break
            }
        case let (.string(x), .string(y)):
            switch op {
            case .add:
                // Doubling a string in a loop would exhaust memory within 40 rounds.
                guard x.utf8.count + y.utf8.count <= Builtins.maximumValues else {
                    throw Diagnostic.error("the string would be longer than 10⁸ bytes", at: span)
                }
                return .string(x + y)
            case .equal: return .boolean(x == y)
            case .notEqual: return .boolean(x != y)
            default: break
            }
        case let (.boolean(x), .boolean(y)) where op == .equal || op == .notEqual:
            return .boolean(op == .equal ? x == y : x != y)
        default: break
        }
        guard isTensorLike(a), isTensorLike(b) else {
            throw Diagnostic.error("'\(op.rawValue)' does not combine \(describe(a)) and \(describe(b))", at: span)
        }
        let shapes = [shapeOf(a), shapeOf(b)]
        switch op {
        case .add, .subtract, .multiply, .divide:
            guard broadcastShapes(shapes[0], shapes[1]) != nil else {
                throw Diagnostic.error("shapes \(shapes[0]) and \(shapes[1]) do not broadcast for '\(op.rawValue)'", at: span)
            }
            return try tensorOperation([a, b], span: span) { x in
                switch op {
                case .add: x[0] + x[1]
                case .subtract: x[0] - x[1]
                case .multiply: x[0] * x[1]
                default: x[0] / x[1]
                }
            }
        case .power:
            guard case let .number(p) = b else { throw Diagnostic.error("'^' takes a number as exponent", at: span) }
            return try tensorOperation([a], span: span) { $0[0].pow(p) }
        case .matmul:
            guard shapes[0].count == 2, shapes[1].count == 2, shapes[0][1] == shapes[1][0] else {
                throw Diagnostic.error("'@' needs matrices [m, k] and [k, n], got \(shapes[0]) and \(shapes[1])", at: span)
            }
            return try tensorOperation([a, b], span: span) { $0[0].matmul($0[1]) }
        default:
            throw Diagnostic.error("'\(op.rawValue)' does not apply to tensors", at: span)
        }
    }

    // MARK: Members and indexing

    func member(_ base: Value, _ name: String, span: SourceSpan) throws -> Value {
        switch base {
        case let .dataset(d):
            switch name {
            case "x": return .tensor(d.x)
            case "y":
                guard let y = d.y else { throw Diagnostic.error("data set '\(d.name)' has no targets", at: span) }
                return .tensor(y)
            case "size", "count": return .number(Double(d.count))
            case "classes":
                guard let classes = d.classCount else {
                    let (row, v) = d.nonClassLabel!
                    throw Diagnostic.error("data set '\(d.name)' has no classes: its target \(formatValue(v)) in row \(row) is not a class label (a whole number 0…10⁸)", at: span)
                }
                return .number(Double(classes))
            case "shape": return .list(d.exampleShape.map { .number(Double($0)) })
            case "groups" where d.groups != nil:
                return .tensor(Tensor(shape: [d.count], scalars: d.groups!.map(Double.init)))
            default:
                if let p = d.part(name) { return .dataset(p) }
                if let t = d.extra(name) { return .tensor(t) }
                let names = ["x", "y", "size", "classes", "shape"] + (d.groups == nil ? [] : ["groups"])
                    + d.parts.map(\.0) + d.columns.map(\.0) + d.attributes.map(\.0)
                throw Diagnostic.error("data set '\(d.name)' has no '\(name)'; it has \(names.joined(separator: ", "))", at: span)
            }
        case let .model(m):
            return try modelMember(m, path: [name], span: span)
        case let .record(fields):
            if let v = fields.first(where: { $0.0 == name })?.1 { return v }
            let hint = didYouMean(name, among: fields.map(\.0))
            throw Diagnostic.error("no field '\(name)'; fields: \(fields.map(\.0).joined(separator: ", "))\(hint)", at: span)
        case .tensor, .node:
            switch name {
            case "shape": return .list(shapeOf(base).map { .number(Double($0)) })
            case "size": return .number(Double(shapeOf(base).reduce(1, *)))
            default: throw Diagnostic.error("a tensor has 'shape' and 'size', not '\(name)'", at: span)
            }
        case let .list(items) where name == "length" || name == "size":
            return .number(Double(items.count))
        case .list where name == "shape" && isTensorLike(base):
            return .list(shapeOf(base).map { .number(Double($0)) })
        default:
            throw Diagnostic.error("\(describe(base)) has no member '\(name)'", at: span)
        }
    }

    /// `model.dense1.weight`: parameters by their hierarchical names.
    func modelMember(_ m: ModelValue, path: [String], span: SourceSpan) throws -> Value {
        if path == ["parameters"] { return .list(m.model.parameters.map { .node($0) }) }
        if path == ["parameter_count"] { return .number(Double(m.model.parameterCount)) }
        if path == ["input_shape"] { return .list(m.model.inputShape.map { .number(Double($0)) }) }
        if path == ["output_shape"] { return .list(m.model.outputShape.map { .number(Double($0)) }) }
        let prefix = ([m.name] + path).joined(separator: ".")
        let all = m.model.variables
        // Names in this model: a composed model's variables under its path ("clf.feat.dense1.weight").
        if let exact = all.first(where: { m.model.name(of: $0) == prefix }) { return .node(exact) }
        let children = all.compactMap { v -> (String, Node)? in
            let label = m.model.name(of: v)
            guard label.hasPrefix(prefix + ".") else { return nil }
            return (String(label.dropFirst(prefix.count + 1)), v)
        }
        guard !children.isEmpty else {
            let names = Set(all.compactMap { m.model.name(of: $0).split(separator: ".").dropFirst(path.count).first.map(String.init) })
            let hint = didYouMean(path.last!, among: Array(names))
            throw Diagnostic.error("model '\(m.name)' has no '\(path.joined(separator: "."))'; it has \(names.sorted().joined(separator: ", "))\(hint)", at: span)
        }
        // An intermediate scope: a record whose fields are the next name components.
        var fields: [(String, Value)] = []
        for (rest, _) in children {
            let head = String(rest.split(separator: ".")[0])
            if fields.contains(where: { $0.0 == head }) { continue }
            fields.append((head, try modelMember(m, path: path + [head], span: span)))
        }
        return .record(fields)
    }

    func index(_ base: Value, _ items: [IndexItem], in env: Environment, span: SourceSpan) throws -> Value {
        if let named = try namedMember(base, items, in: env, span: span) { return named }
        if case let .list(values) = base, !(isTensorLike(base) && (items.count > 1 || items[0].isSlice)) {
            guard items.count == 1, !items[0].isSlice, let e = items[0].start else {
                throw Diagnostic.error("a list is indexed by one position: list[i]", at: span)
            }
            let i = try integer(e, in: env, what: "index")
            let k = i < 0 ? values.count + i : i
            guard k >= 0 && k < values.count else {
                throw Diagnostic.error("index \(i) is outside the list of \(values.count) values", at: e.span)
            }
            return values[k]
        }
        guard isTensorLike(base) else { throw Diagnostic.error("\(describe(base)) cannot be indexed", at: span) }
        let shape = shapeOf(base)
        guard items.count <= shape.count else {
            throw Diagnostic.error("\(items.count) indices for a tensor of rank \(shape.count)", at: span)
        }
        // Each item becomes (start, length, keep axis).
        var plan: [(Int, Int, Bool)] = []
        for (axis, item) in items.enumerated() {
            let n = shape[axis]
            func position(_ e: Expression?, _ fallback: Int) throws -> Int {
                guard let e else { return fallback }
                let i = try integer(e, in: env, what: "index")
                return i < 0 ? i + n : i
            }
            if item.isSlice {
                let s = try position(item.start, 0), t = try position(item.end, n)
                guard s >= 0, t <= n, s <= t else { throw Diagnostic.error("slice \(s):\(t) is outside axis \(axis) of size \(n)", at: item.span) }
                plan.append((s, t - s, true))
            } else {
                let i = try position(item.start, 0)
                guard i >= 0 && i < n else { throw Diagnostic.error("index \(i) is outside axis \(axis) of size \(n)", at: item.span) }
                plan.append((i, 1, false))
            }
        }
        return try tensorOperation([base], span: span) { x in
            var y = x[0]
            for (axis, (start, length, _)) in plan.enumerated() { y = y.slice(axis: axis, start: start, length: length) }
            let kept = zip(y.shape, plan.map(\.2) + Array(repeating: true, count: y.rank - plan.count)).filter { $0.1 }.map(\.0)
            return y.reshaped(kept)
        }
    }
}
import Foundation
