import NetLibrary
import NetRuntime

extension Builtins {
    static var tensorFunctions: [(String, Body)] {
        [
            elementwise("exp") { $0.exp() }, elementwise("log") { $0.log() }, elementwise("tanh") { $0.tanh() },
            elementwise("sigmoid") { $0.sigmoid() }, elementwise("relu") { $0.relu() }, elementwise("softplus") { $0.softplus() },
            elementwise("sqrt") { $0.sqrt() }, elementwise("abs") { $0.abs() }, elementwise("square") { $0.square() },
            elementwise("stop_gradient") { $0.stoppingGradient },
            elementwise("floor") { $0.floor() }, elementwise("round") { $0.rounded() }, wholeNumber,
            ("elu", { context, args in
                let x = try args.required("x", position: 0); let a = try args.number("alpha", position: 1, default: 1)
                return try context.tensorOperation([x.value], span: x.span) { $0[0].elu(a) }
            }),
            ("leaky_relu", { context, args in
                let x = try args.required("x", position: 0); let s = try args.number("slope", position: 1, default: 0.01)
                return try context.tensorOperation([x.value], span: x.span) { $0[0].leakyRelu(s) }
            }),
            reduction("sum") { x, axes, keep in x.sum(axes: axes, keepDims: keep) },
            reduction("mean") { x, axes, keep in x.mean(axes: axes, keepDims: keep) },
            reduction("max") { x, axes, keep in x.max(axes: axes, keepDims: keep) },
            reduction("logsumexp") { x, axes, keep in x.logSumExp(axes: axes, keepDims: keep) },
            elementwise2("maximum") { $0.maximum($1) },
            elementwise2("minimum") { $0.minimum($1) },
            ("softmax", { context, args in
                let x = try args.required("x", position: 0); let axis = try args.integer("axis", position: 1, default: -1)
                try checkAxis(axis, context.shapeOf(x.value), x.span)
                return try context.tensorOperation([x.value], span: x.span) { $0[0].softmax(axis: axis) }
            }),
            ("log_softmax", { context, args in
                let x = try args.required("x", position: 0); let axis = try args.integer("axis", position: 1, default: -1)
                try checkAxis(axis, context.shapeOf(x.value), x.span)
                return try context.tensorOperation([x.value], span: x.span) { $0[0].logSoftmax(axis: axis) }
            }),
            ("transpose", { context, args in
                let x = try args.required("x", position: 0)
                guard context.shapeOf(x.value).count >= 2 else { throw Diagnostic.error("transpose needs at least 2 dimensions", at: x.span) }
                return try context.tensorOperation([x.value], span: x.span) { $0[0].transposed }
            }),
            ("reshape", { context, args in
                let x = try args.required("x", position: 0)
                let target = try args.required("shape", position: 1)
                guard case let .list(items) = target.value else { throw Diagnostic.error("reshape needs a shape list", at: target.span) }
                let dims = try items.map { v -> Int in
                    guard case let .number(d) = v, let i = exactInt(d) else { throw Diagnostic.error("shape entries are whole numbers", at: target.span) }
                    return i
                }
                let count = context.shapeOf(x.value).reduce(1, *)
                // A product too large for an Int cannot equal the (existing) value's size.
                let known = dims.filter { $0 != -1 }.checkedElementCount ?? -1
                guard dims.filter({ $0 == -1 }).count <= 1, dims.allSatisfy({ $0 >= 1 || $0 == -1 }),
                      dims.contains(-1) ? (known > 0 && count % known == 0) : known == count else {
                    throw Diagnostic.error("cannot reshape \(context.shapeOf(x.value)) (\(count) values) to \(dims)", at: target.span)
                }
                return try context.tensorOperation([x.value], span: x.span) { $0[0].reshaped(dims) }
            }),
            ("matmul", { context, args in
                let a = try args.required("a", position: 0), b = try args.required("b", position: 1)
                return try context.binary(.matmul, a.value, b.value, span: a.span.to(b.span))
            }),
            ("concat", { context, args in
                let list = try args.required("tensors", position: 0)
                let axis = try args.integer("axis", position: 1, default: 0)
                guard case let .list(items) = list.value, !items.isEmpty else { throw Diagnostic.error("concat needs a non-empty list of tensors", at: list.span) }
                let shapes = items.map(context.shapeOf)
                let rank = shapes[0].count, a = axis < 0 ? axis + rank : axis
                guard a >= 0, a < rank, shapes.allSatisfy({ s in s.count == rank && s.indices.allSatisfy { $0 == a || s[$0] == shapes[0][$0] } }) else {
                    throw Diagnostic.error("concat along axis \(axis): shapes \(shapes) do not fit", at: list.span)
                }
                return try context.tensorOperation(items, span: list.span) { NetRuntime.concat($0, axis: a) }
            }),
            ("split", { context, args in
                let x = try args.required("x", position: 0)
                let sizes = try args.required("sizes", position: 1)
                let axis = try args.integer("axis", position: 2, default: -1)
                let shape = context.shapeOf(x.value)
                let a = axis < 0 ? axis + shape.count : axis
                guard a >= 0 && a < shape.count else { throw Diagnostic.error("axis \(axis) is outside \(shape)", at: x.span) }
                var parts: [Int]
                switch sizes.value {
                case let .number(n) where n > 0 && n < Double(shape[a]): parts = [Int(n), shape[a] - Int(n)]
                case let .list(items): parts = items.compactMap { if case let .number(v) = $0 { exactInt(v) } else { nil } }
                default: throw Diagnostic.error("split needs a size or a list of sizes", at: sizes.span)
                }
                guard parts.reduce(0, +) == shape[a], parts.allSatisfy({ $0 > 0 }) else {
                    throw Diagnostic.error("split sizes \(parts) do not add up to \(shape[a]) along axis \(a)", at: sizes.span)
                }
                var start = 0
                return .list(try parts.map { n in
                    defer { start += n }
                    let s = start
                    return try context.tensorOperation([x.value], span: x.span) { $0[0].slice(axis: a, start: s, length: n) }
                })
            }),
            ("zeros", { context, args in let shape = try args.shape("shape", position: 0); return context.newTensor(shape) { .zeros(shape) } }),
            ("ones", { context, args in let shape = try args.shape("shape", position: 0); return context.newTensor(shape) { Tensor(repeating: 1, shape: shape) } }),
            ("randn", { context, args in
                try context.randomDraw(.normal(mean: 0, std: 1), shape: try args.shape("shape", position: 0), &args)
            }),
            ("rand", { context, args in
                try context.randomDraw(.uniform(low: 0, high: 1), shape: try args.shape("shape", position: 0), &args)
            }),
            ("bernoulli", { context, args in
                let shape = try args.shape("shape", position: 0)
                let p = try args.number("p", position: 1, default: 0.5)
                guard p >= 0 && p <= 1 else { throw Diagnostic.error("bernoulli: p is a probability in [0, 1], got \(formatValue(p))", at: args.value("p", position: 1)!.span) }
                return try context.randomDraw(.bernoulli(p: p), shape: shape, &args)
            }),
            ("tensor", { context, args in
                let v = try args.required("values", position: 0)
                if context.mode == .symbolic, context.containsNode(v.value), context.isTensorLike(v.value) {
                    return .node(try context.node(v.value, span: v.span))   // stacks a list of nodes
                }
                guard let t = context.tensorValue(v.value) else { throw Diagnostic.error("tensor needs a number or a rectangular list of numbers", at: v.span) }
                return .tensor(t)
            }),
            ("shape", { context, args in
                let v = try args.required("x", position: 0)
                return .list(context.shapeOf(v.value).map { .number(Double($0)) })
            }),
            ("len", { context, args in
                let v = try args.required("x", position: 0)
                let rows: Int?
                switch v.value {
                case let .list(items): rows = items.count
                case let .string(s): rows = s.count
                case let .dataset(d): rows = d.count
                case .tensor, .node: rows = context.shapeOf(v.value).first   // rows, as Python's len
                default: rows = nil
                }
                guard let rows else { throw Diagnostic.error("len needs a list, string, data set or tensor with an axis", at: v.span) }
                return .number(Double(rows))
            }),
            ("append", { _, args in
                // append(list, value): a new list with value at the end.
                let list = try args.required("list", position: 0), v = try args.required("value", position: 1)
                guard case let .list(items) = list.value else { throw Diagnostic.error("append needs a list first", at: list.span) }
                return .list(items + [v.value])
            }),
            ("range", { _, args in
                let a = try args.integer("start", position: 0)
                let b = try args.optionalInteger("end", position: 1)
                let (low, high) = b.map { (a, max(a, $0)) } ?? (0, max(0, a))
                // Lists hold one value per element: the loop-count limit keeps them in memory.
                guard high - low <= 10_000_000 else {
                    throw Diagnostic.error("range: \(high - low) values are more than the 10000000 a list may hold", at: args.span)
                }
                return .list((low..<high).map { .number(Double($0)) })
            }),
            ("item", { context, args in
                let v = try args.required("x", position: 0)
                // The identity on the one element, so it is differentiable inside grad and losses.
                guard context.isTensorLike(v.value), context.shapeOf(v.value).reduce(1, *) == 1 else {
                    throw Diagnostic.error("item needs a tensor with one value", at: v.span)
                }
                return try context.tensorOperation([v.value], span: v.span) { $0[0].reshaped([]) }
            }),
            ("argmax", { context, args in
                let v = try args.required("x", position: 0)
                guard let t = context.tensorValue(v.value), t.rank >= 1 else { throw Diagnostic.error("argmax needs a tensor", at: v.span) }
                let classes = Metrics.predictedClasses(t.rank == 1 ? t.reshaped([1, t.count]) : t)
                return t.rank == 1 ? .number(Double(classes[0])) : .tensor(Tensor(shape: [classes.count], scalars: classes.map(Double.init)))
            }),
            ("format", { context, args in
                // A number, or a 0-d tensor (the result of a reduction read from a tensor).
                let value = try args.required("x", position: 0)
                guard context.isTensorLike(value.value), context.shapeOf(value.value).isEmpty, let t = context.tensorValue(value.value) else {
                    throw Diagnostic.error("format: 'x' must be a number or a 0-d tensor, got \(describe(value.value))", at: value.span)
                }
                let x = t.scalars[0]
                let digits = try args.integer("digits", position: 1, default: 4, minimum: 0)
                return .string(String(format: "%.\(min(digits, 17))f", x))
            }),
        ]
    }

    static func reduction(_ name: String, _ f: @escaping (Node, [Int]?, Bool) -> Node) -> (String, Body) {
        (name, { context, args in
            let x = try args.required("x", position: 0)
            let shape = context.shapeOf(x.value)
            var axes: [Int]? = nil
            if let a = args.value("axis", position: 1) {
                func axisIndex(_ v: Value) throws -> Int {
                    guard case let .number(n) = v, let i = exactInt(n) else {
                        throw Diagnostic.error("\(name): an axis is a whole number below the tensor's rank, got \(describe(v))", at: a.span)
                    }
                    return i
                }
                switch a.value {
                case let .number(n): axes = [try axisIndex(.number(n))]
                case let .list(items): axes = try items.map(axisIndex)
                default:
                    throw Diagnostic.error("\(name): axis must be a number or a list\(elementwiseHint(name, a))", at: a.span)
                }
                do {
                    for ax in axes! { try checkAxis(ax, shape, a.span) }
                    let normalized = axes!.map { $0 < 0 ? $0 + shape.count : $0 }
                    guard Set(normalized).count == normalized.count else {
                        throw Diagnostic.error("\(name): axis \(normalized) names an axis twice", at: a.span)
                    }
                } catch let d as Diagnostic {
                    throw Diagnostic.error(d.message + elementwiseHint(name, a), at: a.span)
                }
            }
            let keep = try args.boolean("keepdims", default: false)
            // A mean or maximum of nothing has no value (0/0, −∞); say so instead.
            if name == "mean" || name == "max" {
                let reduced = (axes ?? Array(shape.indices)).map { shape[$0 < 0 ? $0 + shape.count : $0] }
                if reduced.contains(0) { throw Diagnostic.error("\(name) of an empty tensor (shape \(shape))", at: x.span) }
            }
            return try context.tensorOperation([x.value], span: x.span) { f($0[0], axes, keep) }
        })
    }

    /// `max(a, b)` reduces `a` over the axes `b`; NumPy users often mean the element-wise
    /// maximum, so a second argument that is not an axis points at `maximum(a, b)`.
    static func elementwiseHint(_ name: String, _ axis: ArgumentValue) -> String {
        guard name == "max" || name == "min", axis.label == nil else { return "" }
        return "; for the element-wise \(name == "max" ? "maximum" : "minimum") of two tensors use \(name == "max" ? "maximum" : "minimum")(a, b)"
    }

    /// A binary element-wise function with broadcasting, eager and symbolic.
    static func elementwise2(_ name: String, _ f: @escaping (Node, Node) -> Node) -> (String, Body) {
        (name, { context, args in
            let a = try args.required("a", position: 0), b = try args.required("b", position: 1)
            for v in [a, b] where !context.isTensorLike(v.value) {
                throw Diagnostic.error("\(name) needs tensors or numbers, got \(describe(v.value))", at: v.span)
            }
            let (sa, sb) = (context.shapeOf(a.value), context.shapeOf(b.value))
            guard broadcastShapes(sa, sb) != nil else {
                throw Diagnostic.error("\(name): shapes \(sa) and \(sb) do not broadcast", at: a.span.to(b.span))
            }
            return try context.tensorOperation([a.value, b.value], span: a.span.to(b.span)) { f($0[0], $0[1]) }
        })
    }

    static func checkAxis(_ axis: Int, _ shape: [Int], _ span: SourceSpan) throws {
        guard axis >= -shape.count && axis < shape.count else {
            throw Diagnostic.error("axis \(axis) is outside a tensor of rank \(shape.count)", at: span)
        }
    }
}
