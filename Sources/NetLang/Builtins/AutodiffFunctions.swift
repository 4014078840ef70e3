import NetLibrary
import NetRuntime

/// grad, vjp and jacobian of script functions, and linear algebra (SVD, slogdet, …).
extension Builtins {
    static var autodiffFunctions: [(String, Body)] {
        [
            ("grad", { context, args in
                // grad(f, x): ∂f/∂x for a function f returning one number.
                // grad(f, model): ∂f/∂θ for the model's parameters θ, a record named like the
                // checkpoint (ParameterGradients.swift).
                if let target = args.value("x", position: 1), let models = context.modelsToDifferentiate(target.value) {
                    let f = try args.required("f", position: 0)
                    guard case let .function(callable) = f.value else {
                        throw Diagnostic.error("grad needs a function first, e.g. fn(net) = mse(net(x), y)", at: f.span)
                    }
                    return try context.parameterGradients(callable, argument: target.value, models: models, span: args.span)
                }
                let span = args.span
                let derive: (Graph, Node, Node) throws -> Node = { g, input, y in
                    guard y.count == 1 else { throw Diagnostic.error("grad needs a function returning one number; use vjp or jacobian for vectors (got shape \(y.shape))", at: span) }
                    return g.gradient(of: y.reshaped([]), wrt: input)
                }
                if let symbolic = try symbolicDerivative(&args, context, derive) { return symbolic }
                let (f, x) = try functionAndPoint(&args, context)
                return try context.differentiate(f, at: x, span: args.span, derive)
            }),
            ("vjp", { context, args in
                // vjp(f, x, v): vᵀ·J_f(x) (Def. 2.28, Remark 2.29).
                let v = try args.required("v", position: 2)
                let symbolic = try symbolicDerivative(&args, context) { g, input, y in
                    let vector = try context.node(v.value, span: v.span)
                    guard y.shape == vector.shape else { throw Diagnostic.error("v has shape \(vector.shape) but f(x) has \(y.shape)", at: v.span) }
                    return g.vjp(y, wrt: input, vector: vector)
                }
                if let symbolic { return symbolic }
                let (f, x) = try functionAndPoint(&args, context)
                guard let vt = context.tensorValue(v.value) else { throw Diagnostic.error("vjp needs a tensor v", at: v.span) }
                return try context.differentiate(f, at: x, span: args.span) { g, input, y in
                    guard y.shape == vt.shape else { throw Diagnostic.error("v has shape \(vt.shape) but f(x) has \(y.shape)", at: v.span) }
                    return g.vjp(y, wrt: input, vector: g.constant(vt))
                }
            }),
            ("jacobian", { context, args in
                // jacobian(f, x): the matrix [size of f(x), size of x].
                let span = args.span
                let derive: (Graph, Node, Node) throws -> Node = { g, input, y in
                    let m = y.count, n = input.count
                    guard m <= 4096 else { throw Diagnostic.error("jacobian of a function with \(m) outputs is too large; use vjp", at: span) }
                    let rows = (0..<m).map { i -> Node in
                        var e = Tensor<Double>.zeros([m]); e.scalars[i] = 1
                        return g.vjp(y, wrt: input, vector: g.constant(e.reshaped(y.shape))).reshaped([1, n])
                    }
                    return NetRuntime.concat(rows, axis: 0)
                }
                if let symbolic = try symbolicDerivative(&args, context, derive) { return symbolic }
                let (f, x) = try functionAndPoint(&args, context)
                return try context.differentiate(f, at: x, span: args.span, derive)
            }),
            ("singular_values", { context, args in
                let a = try matrix(&args, context)
                return .tensor(Tensor(shape: [min(a.shape[0], a.shape[1])], scalars: try dataError(args.span) { try singularValues(a) }))
            }),
            ("svd", { context, args in
                let a = try matrix(&args, context)
                let (u, s, vt) = try dataError(args.span) { try svd(a) }
                return .record([("u", .tensor(u)), ("s", .tensor(Tensor(shape: [s.count], scalars: s))), ("vt", .tensor(vt))])
            }),
            ("spectral_norm", { context, args in .number(try dataError(args.span) { try spectralNorm(try matrix(&args, context)) }) }),
            ("condition_number", { context, args in .number(try dataError(args.span) { try conditionNumber(try matrix(&args, context)) }) }),
            ("slogdet", { context, args in
                if let m = try symbolicSquareMatrix(&args, context) {
                    // d log|det A| = A⁻ᵀ (LogAbsDetOp); the sign is piecewise constant.
                    let batch = m.reshaped([1] + m.shape)
                    return .record([("sign", .node(batch.determinantSign().reshaped([]))),
                                    ("logabsdet", .node(batch.logAbsDeterminant().reshaped([])))])
                }
                let a = try matrix(&args, context)
                let (sign, logAbs) = try dataError(args.span) { try slogdet(a) }
                return .record([("sign", .number(sign)), ("logabsdet", .number(logAbs))])
            }),
            ("solve", { context, args in
                let b = try args.required("b", position: 1), aArgument = try args.required("a", position: 0)
                if context.mode == .symbolic, context.containsNode(aArgument.value) || context.containsNode(b.value) {
                    return try symbolicSolve(aArgument, b, context)
                }
                let a = try matrix(&args, context)
                guard let bt = context.tensorValue(b.value) else { throw Diagnostic.error("solve needs a right-hand side tensor", at: b.span) }
                return .tensor(try dataError(args.span) { try solve(a, bt) })
            }),
        ]
    }

    /// grad, vjp or jacobian while expressions are symbolic (inside a loss, `jit`, or
    /// another grad): the derivative is built as graph nodes, not evaluated, so the loss
    /// differentiates through it again (double backprop: gradient penalties, Jacobian
    /// regularisers, score matching) — also at a point given as numbers, whose derivative
    /// still depends on the parameters. f is called on an alias of the point, so only the
    /// paths through f's argument count, as in JAX, and not other uses of the same value
    /// that f closes over. Nil outside symbolic evaluation (then `differentiate` evaluates).
    static func symbolicDerivative(_ args: inout Arguments, _ context: BuiltinContext,
                                   _ derive: (Graph, Node, Node) throws -> Node) throws -> Value? {
        guard context.mode == .symbolic, let x = args.value("x", position: 1) else { return nil }
        let f = try args.required("f", position: 0)
        guard case let .function(callable) = f.value else { throw Diagnostic.error("\(args.function) needs a function first, e.g. fn(x) = sum(x^2)", at: f.span) }
        let point = try context.node(x.value, span: x.span).alias
        let yValue = try callable.call([ArgumentValue(label: nil, value: .node(point), span: args.span)], args.span)
        try context.checkGraphErrors(args.span)
        let result = try derive(context.graph, point, try context.node(yValue, span: args.span))
        try context.checkGraphErrors(args.span)
        return .node(result)
    }

    static func functionAndPoint(_ args: inout Arguments, _ context: BuiltinContext) throws -> (Callable, Tensor<Double>) {
        let f = try args.required("f", position: 0), x = try args.required("x", position: 1)
        guard case let .function(callable) = f.value else { throw Diagnostic.error("\(args.function) needs a function first, e.g. fn(x) = sum(x^2)", at: f.span) }
        guard let point = context.tensorValue(x.value) else { throw Diagnostic.error("\(args.function) needs a tensor point", at: x.span) }
        return (callable, point)
    }

    /// The square-matrix argument `a` as a graph node when expressions are symbolic and it
    /// is one (inside grad or a loss); nil otherwise (then the LAPACK path computes it).
    static func symbolicSquareMatrix(_ args: inout Arguments, _ context: BuiltinContext) throws -> Node? {
        guard context.mode == .symbolic, let a = args.value("a", position: 0), context.containsNode(a.value) else { return nil }
        let shape = context.shapeOf(a.value)
        guard shape.count == 2, shape[0] == shape[1] else {
            throw Diagnostic.error("\(args.function) needs a square matrix, got a tensor of shape \(shape)", at: a.span)
        }
        return try context.node(a.value, span: a.span)
    }

    /// solve(a, b) = a⁻¹·b as graph nodes (InverseOp, whose vector-Jacobian product is
    /// −a⁻ᵀ·G·a⁻ᵀ): differentiable in a and b to any order. The matrices here are small
    /// (Gauss–Jordan with partial pivoting).
    static func symbolicSolve(_ aArgument: ArgumentValue, _ b: ArgumentValue, _ context: BuiltinContext) throws -> Value {
        let a = try context.node(aArgument.value, span: aArgument.span)
        guard a.rank == 2, a.shape[0] == a.shape[1] else {
            throw Diagnostic.error("solve needs a square matrix, got a tensor of shape \(a.shape)", at: aArgument.span)
        }
        let rhs = try context.node(b.value, span: b.span)
        guard (rhs.rank == 1 || rhs.rank == 2), rhs.shape[0] == a.shape[0] else {
            throw Diagnostic.error("solve: b must have \(a.shape[0]) rows, got a tensor of shape \(rhs.shape)", at: b.span)
        }
        let inverse = a.reshaped([1] + a.shape).inverse().reshaped(a.shape)
        let x = inverse.matmul(rhs.rank == 1 ? rhs.reshaped([rhs.shape[0], 1]) : rhs)
        return .node(rhs.rank == 1 ? x.reshaped([a.shape[0]]) : x)
    }

    static func matrix(_ args: inout Arguments, _ context: BuiltinContext) throws -> Tensor<Double> {
        let a = try args.required("a", position: 0)
        guard let t = context.tensorValue(a.value), t.rank == 2 else {
            throw Diagnostic.error("\(args.function) needs a matrix, got \(describe(a.value))", at: a.span)
        }
        return t
    }
}

extension BuiltinContext {
    /// Calls `f` on a graph input x, builds a derivative from f(x), and evaluates it in
    /// Float64 with the session's current parameters.
    func differentiate(_ f: Callable, at x: Tensor<Double>, span: SourceSpan,
                       _ derive: (Graph, Node, Node) throws -> Node) throws -> Value {
        let input = graph.input("grad_x", shape: x.shape)
        let yValue = try evaluatingSymbolically { try f.call([ArgumentValue(label: nil, value: .node(input), span: span)], span) }
        try checkGraphErrors(span)
        let y = try node(yValue, span: span)
        let result = try derive(graph, input, y)
        try checkGraphErrors(span)
        if mode == .shapeOnly { return .tensor(.zeros(result.shape)) }
        let store = VariableStore<Double>(converting: variables)
        let value = graph.evaluate([result], as: Double.self, inputs: [input: x], variables: store)[0]
        return value.shape.isEmpty ? .number(value.scalars[0]) : .tensor(value)
    }
}
