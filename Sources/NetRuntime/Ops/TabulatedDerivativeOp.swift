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
/// Inputs `[x, t, g]` or `[x, t, g, g₂]` (then y = f(x) ⊙ (g ⊙ g₂), the product g ⊙ g₂
/// formed in the same pass: the backward pass of g ⊙ elu'(x) needs h ⊙ g ⊙ elu''(x), which
/// would otherwise be a separate multiplication over the whole tensor), with
/// t = `UnaryOp(.eluDerivative(α))(x)`. The table is a cached function of x, not an
/// independent operand: the vector-Jacobian product sends the whole x-dependence through
/// x and returns no cotangent for t (else it would be counted twice).
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
        guard inputs.count == 3 || inputs.count == 4, inputs.allSatisfy({ $0 == inputs[0] }) else {
            throw ShapeError("\(name) needs x, its derivative table and one or two factors g of one shape, got \(inputs)")
        }
        return inputs[0]
    }

    /// With y = f(x) ⊙ g (⊙ g₂): ∂/∂g = h ⊙ f(x) (⊙ g₂), ∂/∂g₂ = h ⊙ f(x) ⊙ g, and
    /// ∂/∂x = h ⊙ g (⊙ g₂) ⊙ f'(x) with f' = elu'' for both elu' and elu''.
    public func vjp(_ graph: Graph, inputs: [Node], output: Node, gradient h: Node) -> [Node?] {
        let x = inputs[0], table = inputs[1], g = inputs[2]
        guard case let .eluDerivative(a) = Self.tableFunction(for: function) else { preconditionFailure("\(name) is not tabulated") }
        func scaled(_ f: UnaryFunction, _ factors: [Node]) -> Node { graph.apply(TabulatedScaleOp(function: f), [x, table] + factors) }
        if inputs.count == 3 {
            return [scaled(.eluSecondDerivative(a), [h, g]), nil, scaled(function, [h])]
        }
        let g2 = inputs[3]
        return [scaled(.eluSecondDerivative(a), [h * g, g2]), nil, scaled(function, [h, g2]), scaled(function, [h, g])]
    }

    @_specialize(where T == Float) @_specialize(where T == Double)
    public func makeKernel<T: NetScalar>(_ context: KernelContext<T>) -> Kernel {
        let x = context.inputs[0], t = context.inputs[1], g = context.inputs[2], y = context.output, n = context.outputCount
        // Half the usual chunk: these passes run hundreds of times per step on tensors of
        // 64,000 elements (500 × 128), which two threads then share (measured 3 % faster on
        // iresnet_toy; NETL_MIN_CHUNK gives the same for every elementwise kernel).
        let chunk = ElementwiseThreading.minimumPerThread / 2
        switch (function, context.inputs.count == 4 ? context.inputs[3] : nil) {
        case (.eluDerivative, nil):
            return { parallelChunks(n, minimumPerThread: chunk) { r in for i in r { y[i] = t[i] * g[i] } } }
        case (.eluSecondDerivative, nil):
            return { parallelChunks(n, minimumPerThread: chunk) { r in for i in r { let p = t[i] * g[i]; y[i] = x[i] > 0 ? 0 : p } } }
        case let (.eluDerivative, g2?):
            return { parallelChunks(n, minimumPerThread: chunk) { r in for i in r { y[i] = t[i] * (g[i] * g2[i]) } } }
        case let (.eluSecondDerivative, g2?):
            return { parallelChunks(n, minimumPerThread: chunk) { r in for i in r { let p = t[i] * (g[i] * g2[i]); y[i] = x[i] > 0 ? 0 : p } } }
        default:
            preconditionFailure("\(name) is not tabulated")
        }
    }
}

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
