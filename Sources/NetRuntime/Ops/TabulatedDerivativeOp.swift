/// g ⊙ f(x) for an ELU derivative f, reading f'(x)'s values from a table computed once
/// per pre-activation x instead of evaluating eˣ again.
///
/// Why: the power-series log-determinant (thesis Alg. 2, eq. 5.6) takes n vector-Jacobian
/// products of the same residual block, and training differentiates through all of them.
/// Every one multiplies by elu'(x) of the *same* pre-activations, and its backward pass by
/// elu''(x): in a 5-term iresnet_toy step that was 320 fused g ⊙ elu'(x) / g ⊙ elu''(x)
/// passes, each with its own exponential. With the table, eˣ is evaluated once per
/// pre-activation (`Graph.derivativeTable`, common-subexpression elimination of
/// elu'(x)) and each pass is a plain multiplication.
///
/// The values are bit for bit those of `ScaleByFunctionOp` (same formulas, same order of
/// the multiplications): for elu', t = (x > 0 ? 1 : α·eˣ) and y = t·g, where the fused op
/// computes x > 0 ? g : (α·eˣ)·g; for elu'', y = x > 0 ? 0 : t·g.
///
/// Inputs `[x, t, g]` with t = `UnaryOp(.eluDerivative(α))(x)`. The table is a cached
/// function of x, not an independent operand: the vector-Jacobian product sends the whole
/// x-dependence through x and returns no cotangent for t (else it would be counted twice).
public struct TabulatedScaleOp: Operation {
    /// `.eluDerivative(α)` or `.eluSecondDerivative(α)`.
    public let function: UnaryFunction
    public var name: String { "mul_" + function.name + "_table" }

    /// The table function (elu' of the same α) for a tabulated function, nil otherwise.
    static func tableFunction(for f: UnaryFunction) -> UnaryFunction? {
        switch f {
        case let .eluDerivative(a), let .eluSecondDerivative(a): .eluDerivative(a)
        default: nil
        }
    }

    public func outputShape(_ inputs: [[Int]]) throws -> [Int] {
        guard inputs.count == 3, inputs[0] == inputs[1], inputs[0] == inputs[2] else {
            throw ShapeError("\(name) needs x, its derivative table and g of one shape, got \(inputs)")
        }
        return inputs[0]
    }

    /// ∂/∂g = h ⊙ f(x); ∂/∂x = h ⊙ g ⊙ f'(x) with f' = elu'' for both elu' and elu''.
    public func vjp(_ graph: Graph, inputs: [Node], output: Node, gradient h: Node) -> [Node?] {
        let x = inputs[0], table = inputs[1], g = inputs[2]
        guard case let .eluDerivative(a) = Self.tableFunction(for: function) else { preconditionFailure("\(name) is not tabulated") }
        let dg = graph.apply(TabulatedScaleOp(function: function), [x, table, h])
        let dx = graph.apply(TabulatedScaleOp(function: .eluSecondDerivative(a)), [x, table, h * g])
        return [dx, nil, dg]
    }

    @_specialize(where T == Float) @_specialize(where T == Double)
    public func makeKernel<T: NetScalar>(_ context: KernelContext<T>) -> Kernel {
        let x = context.inputs[0], t = context.inputs[1], g = context.inputs[2], y = context.output, n = context.outputCount
        switch function {
        case .eluDerivative:
            return { parallelChunks(n, minimumPerThread: tabulatedChunk) { r in for i in r { y[i] = t[i] * g[i] } } }
        case .eluSecondDerivative:
            return { parallelChunks(n, minimumPerThread: tabulatedChunk) { r in for i in r { let p = t[i] * g[i]; y[i] = x[i] > 0 ? 0 : p } } }
        default:
            preconditionFailure("\(name) is not tabulated")
        }
    }
}

/// Elements per thread below which a tabulated pass runs on one thread.
nonisolated(unsafe) var tabulatedChunk = 32_768

extension Graph {
    /// elu'(x) (the table of `TabulatedScaleOp`), created once per x and function and
    /// reused by every later vector-Jacobian product through x.
    func derivativeTable(of x: Node, _ f: UnaryFunction) -> Node {
        memoized("\(f.name)(\(f))#\(x.id)") { x.apply(f) }
    }
}

extension Node {
    /// self ⊙ f(x): through x's derivative table when f is an ELU derivative and the
    /// graph tabulates (`Graph.tabulatesActivationDerivatives`), else the fused
    /// `ScaleByFunctionOp`. Both give the same numbers.
    func scaledByDerivative(_ f: UnaryFunction, of x: Node) -> Node {
        guard graph.tabulatesActivationDerivatives, let tf = TabulatedScaleOp.tableFunction(for: f) else {
            return scaled(by: f, of: x)
        }
        return graph.apply(TabulatedScaleOp(function: f), [x, graph.derivativeTable(of: x, tf), self])
    }
}
