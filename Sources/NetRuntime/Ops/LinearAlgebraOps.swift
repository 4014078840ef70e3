/// Differentiable log|det| and inverse of batches of small square matrices [B, d, d], by
/// LU with partial pivoting in plain loops (d is small where these are used: exact
/// log-determinants of flows for tests and 2-D toy data; LAPACK serves large matrices in
/// `Linalg`). Each op's vector-Jacobian product uses the other, so gradients of any order
/// exist:  ∂ log|det A| = A⁻ᵀ,  ∂(A⁻¹) = −A⁻ᵀ · G · A⁻ᵀ.

/// log|det A| per matrix: [B, d, d] → [B].
public struct LogAbsDetOp: Operation {
    public var name: String { "logabsdet" }
    public func outputShape(_ inputs: [[Int]]) throws -> [Int] {
        let s = inputs[0]
        guard s.count == 3, s[1] == s[2] else { throw ShapeError("logabsdet needs square matrices [B, d, d], got \(s)") }
        return [s[0]]
    }
    public func vjp(_ graph: Graph, inputs: [Node], output: Node, gradient: Node) -> [Node?] {
        let a = inputs[0]
        let inverseT = a.inverse().transposed
        return [inverseT * gradient.reshaped([a.shape[0], 1, 1])]
    }
    @_specialize(where T == Float) @_specialize(where T == Double)
    public func makeKernel<T: NetScalar>(_ context: KernelContext<T>) -> Kernel {
        determinantKernel(context) { $0.logAbs }
    }
}

/// The sign (±1, or 0 for a singular matrix) of each determinant: [B, d, d] → [B]. It is
/// piecewise constant, so its derivative is zero wherever it is defined: the input gets
/// no cotangent. Together with `LogAbsDetOp` it is `slogdet`.
public struct DeterminantSignOp: Operation {
    public var name: String { "determinant_sign" }
    public func outputShape(_ inputs: [[Int]]) throws -> [Int] { try LogAbsDetOp().outputShape(inputs) }
    public func vjp(_ graph: Graph, inputs: [Node], output: Node, gradient: Node) -> [Node?] { [nil] }
    @_specialize(where T == Float) @_specialize(where T == Double)
    public func makeKernel<T: NetScalar>(_ context: KernelContext<T>) -> Kernel {
        determinantKernel(context) { $0.sign }
    }
}

/// One value per matrix of a batch [B, d, d] → [B], read off its LU factorisation.
private func determinantKernel<T: NetScalar>(_ context: KernelContext<T>,
                                             _ part: @escaping ((logAbs: Double, sign: Double)) -> Double) -> Kernel {
    let a = context.inputs[0], y = context.output
    let (b, d) = (context.inputShapes[0][0], context.inputShapes[0][1])
    let lu = context.workspace(d * d)
    return {
        for m in 0..<b { y[m] = T(part(luLogAbsDeterminant(a + m * d * d, d, lu))) }
    }
}

/// log|det A| and sign(det A) of one d×d matrix by LU with partial pivoting, in `lu`
/// (scratch of d·d values): det A = (−1)^swaps · Π pivots.
@inline(__always)
func luLogAbsDeterminant<T: NetScalar>(_ a: UnsafeMutablePointer<T>, _ d: Int, _ lu: UnsafeMutablePointer<T>) -> (logAbs: Double, sign: Double) {
    lu.update(from: a, count: d * d)
    var logAbs = 0.0, sign = 1.0
    for col in 0..<d {
        var pivot = col
        for r in (col + 1)..<max(d, col + 1) where abs(lu[r * d + col]) > abs(lu[pivot * d + col]) { pivot = r }
        if pivot != col {
            sign = -sign
            for c in 0..<d { let t = lu[col * d + c]; lu[col * d + c] = lu[pivot * d + c]; lu[pivot * d + c] = t }
        }
        let p = lu[col * d + col]
        logAbs += Double.naturalLog(Swift.abs(Double(p)))
        if p == 0 { return (logAbs, 0) }
        if p < 0 { sign = -sign }
        for r in (col + 1)..<max(d, col + 1) {
            let f = lu[r * d + col] / p
            for c in col..<d { lu[r * d + c] -= f * lu[col * d + c] }
        }
    }
    return (logAbs, sign)
}

/// The inverse of each matrix: [B, d, d] → [B, d, d] (Gauss–Jordan with partial pivoting).
public struct InverseOp: Operation {
    public var name: String { "inverse" }
    public func outputShape(_ inputs: [[Int]]) throws -> [Int] {
        let s = inputs[0]
        guard s.count == 3, s[1] == s[2] else { throw ShapeError("inverse needs square matrices [B, d, d], got \(s)") }
        return s
    }
    public func vjp(_ graph: Graph, inputs: [Node], output: Node, gradient: Node) -> [Node?] {
        let yT = output.transposed
        return [-(yT.matmul(gradient).matmul(yT))]
    }
    @_specialize(where T == Float) @_specialize(where T == Double)
    public func makeKernel<T: NetScalar>(_ context: KernelContext<T>) -> Kernel {
        let a = context.inputs[0], y = context.output
        let (b, d) = (context.inputShapes[0][0], context.inputShapes[0][1])
        let m = context.workspace(d * d)
        return {
            for k in 0..<b {
                let out = y + k * d * d
                m.update(from: a + k * d * d, count: d * d)
                for i in 0..<d { for j in 0..<d { out[i * d + j] = i == j ? 1 : 0 } }
                for col in 0..<d {
                    var pivot = col
                    for r in col..<d where abs(m[r * d + col]) > abs(m[pivot * d + col]) { pivot = r }
                    if pivot != col {
                        for c in 0..<d {
                            var t = m[col * d + c]; m[col * d + c] = m[pivot * d + c]; m[pivot * d + c] = t
                            t = out[col * d + c]; out[col * d + c] = out[pivot * d + c]; out[pivot * d + c] = t
                        }
                    }
                    let p = m[col * d + col]
                    for c in 0..<d { m[col * d + c] /= p; out[col * d + c] /= p }
                    for r in 0..<d where r != col {
                        let f = m[r * d + col]
                        if f == 0 { continue }
                        for c in 0..<d { m[r * d + c] -= f * m[col * d + c]; out[r * d + c] -= f * out[col * d + c] }
                    }
                }
            }
        }
    }
}

extension Node {
    /// log|det| of each matrix of a batch [B, d, d].
    public func logAbsDeterminant() -> Node { graph.apply(LogAbsDetOp(), [self]) }
    /// The inverse of each matrix of a batch [B, d, d].
    public func inverse() -> Node { graph.apply(InverseOp(), [self]) }
    /// sign(det) of each matrix of a batch [B, d, d] (no gradient: it is piecewise constant).
    public func determinantSign() -> Node { graph.apply(DeterminantSignOp(), [self]) }
}

extension Double {
    @inline(__always) static func naturalLog(_ x: Double) -> Double { Double.log(x) as Double }
}
