/// y = x·Wᵀ + b for x [m, k], W [n, k], b [n]: a dense layer in one kernel. The bias is
/// written into y first and the product accumulated onto it (GEMM with β = 1), saving the
/// separate pass over y that `matmul` followed by `+` costs.
public struct LinearOp: Operation {
    public var name: String { "linear" }
    /// The SIMD kernel for n ≤ 4 outputs (on in optimised builds; tests switch it on).
    nonisolated(unsafe) public static var thinOutputKernel = ConvGeometry.directKernelsByDefault

    public func outputShape(_ inputs: [[Int]]) throws -> [Int] {
        let (x, w, b) = (inputs[0], inputs[1], inputs[2])
        guard x.count == 2, w.count == 2, x[1] == w[1], b == [w[0]] else {
            throw ShapeError("linear needs x [m, k], W [n, k] and b [n], got \(x), \(w) and \(b)")
        }
        return [x[0], w[0]]
    }

    /// x [m, k] · Wᵀ [k, n]: m·n·k.
    public func multiplyAdds(_ inputShapes: [[Int]]) -> Int? { inputShapes[0].reduce(1, *) * inputShapes[1][0] }

    public func vjp(_ graph: Graph, inputs: [Node], output: Node, gradient g: Node) -> [Node?] {
        let x = inputs[0], w = inputs[1]
        return [g.matmul(w), g.matmul(x, transposeA: true), g.summed(to: [w.shape[0]])]
    }

    @_specialize(where T == Float) @_specialize(where T == Double)
    public func makeKernel<T: NetScalar>(_ context: KernelContext<T>) -> Kernel {
        let x = context.inputs[0], w = context.inputs[1], b = context.inputs[2], y = context.output
        let (m, k) = (context.inputShapes[0][0], context.inputShapes[0][1]), n = context.inputShapes[1][0]
        if k <= 8 {
            // Thin inputs (2-D flows): rows of y as b + Σ_l x[i, l]·W[:, l], vectorised.
            let wRows = context.workspace(k * n)
            return {
                for l in 0..<k { for j in 0..<n { wRows[l * n + j] = w[j * k + l] } }
                parallelChunks(m, minimumPerThread: Swift.max(1, 16_384 / Swift.max(n, 1))) { rows in
                    for i in rows {
                        let yi = y + i * n, xi = x + i * k
                        for j in 0..<n { yi[j] = b[j] }
                        for l in 0..<k {
                            let xl = xi[l], wl = wRows + l * n
                            for j in 0..<n { yi[j] += xl * wl[j] }
                        }
                    }
                }
            }
        }
        if n <= 4 && k >= 16 && LinearOp.thinOutputKernel {
            // Thin outputs (the last layer of a 2-D flow's block, 128 → 2): a GEMM with n ≤ 4
            // is a poor shape; per row, n dot products of length k with SIMD accumulators.
            return {
                parallelChunks(m, minimumPerThread: Swift.max(1, 16_384 / k)) { rows in
                    for i in rows {
                        let xi = x + i * k
                        for j in 0..<n { y[i * n + j] = b[j] + dot(xi, w + j * k, k) }
                    }
                }
            }
        }
        return {
            parallelChunks(m, minimumPerThread: Swift.max(1, 32_768 / n)) { rows in
                for i in rows { (y + i * n).update(from: b, count: n) }
            }
            splitGemm(transA: false, transB: true, m: m, n: n, k: k, a: x, lda: k, b: w, ldb: k, beta: 1, c: y, ldc: n)
        }
    }
}

extension Node {
    /// self·Wᵀ + b (a dense layer) for self [m, k], W [n, k], b [n].
    public func linear(_ weight: Node, bias: Node) -> Node {
        graph.apply(LinearOp(), [self, weight, bias])
    }
}

/// Σ a[i]·b[i] for i < n with two SIMD8 accumulators.
@inline(__always)
func dot<T: NetScalar>(_ a: UnsafePointer<T>, _ b: UnsafePointer<T>, _ n: Int) -> T {
    var s0 = SIMD8<T>(), s1 = SIMD8<T>()
    var i = 0
    while i + 16 <= n {
        s0 = s0.addingProduct(load8(a + i), load8(b + i))
        s1 = s1.addingProduct(load8(a + i + 8), load8(b + i + 8))
        i += 16
    }
    var total = (s0 + s1).sum()
    while i < n { total += a[i] * b[i]; i += 1 }
    return total
}
