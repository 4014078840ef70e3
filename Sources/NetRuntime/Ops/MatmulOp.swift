/// Matrix product op(A)·op(B) of 2-D matrices, or of batches of them (3-D, batch first),
/// on sgemm/dgemm. Products too small to amortise a BLAS call run as a plain loop.
public struct MatmulOp: Operation {
    public let transposeA: Bool
    public let transposeB: Bool
    public var name: String { "matmul" }

    /// (batch, m, k, n) and whether the inputs are batched.
    private func dims(_ a: [Int], _ b: [Int]) throws -> (Int, Int, Int, Int) {
        guard (a.count == 2 && b.count == 2) || (a.count == 3 && b.count == 3) else {
            throw ShapeError("matmul needs two matrices or two batches of matrices, got \(a) and \(b)")
        }
        let batched = a.count == 3
        if batched && a[0] != b[0] { throw ShapeError("matmul batch sizes differ: \(a) and \(b)") }
        let ar = Array(a.suffix(2)), br = Array(b.suffix(2))
        let (m, k) = transposeA ? (ar[1], ar[0]) : (ar[0], ar[1])
        let (k2, n) = transposeB ? (br[1], br[0]) : (br[0], br[1])
        guard k == k2 else {
            throw ShapeError("matmul inner dimensions differ: \(a)\(transposeA ? "ᵀ" : "") · \(b)\(transposeB ? "ᵀ" : "") (\(k) vs \(k2))")
        }
        return (batched ? a[0] : 1, m, k, n)
    }

    public func outputShape(_ inputs: [[Int]]) throws -> [Int] {
        let (batch, m, _, n) = try dims(inputs[0], inputs[1])
        return inputs[0].count == 3 ? [batch, m, n] : [m, n]
    }

    public func multiplyAdds(_ inputShapes: [[Int]]) -> Int? {
        guard let (batch, m, k, n) = try? dims(inputShapes[0], inputShapes[1]) else { return nil }
        return batch * m * k * n
    }

    public func vjp(_ graph: Graph, inputs: [Node], output: Node, gradient g: Node) -> [Node?] {
        let a = inputs[0], b = inputs[1]
        // C = op(A)·op(B):  d op(A) = G·op(B)ᵀ,  d op(B) = op(A)ᵀ·G.
        let da = transposeA ? b.matmul(g, transposeA: transposeB, transposeB: true)
                            : g.matmul(b, transposeA: false, transposeB: !transposeB)
        let db = transposeB ? g.matmul(a, transposeA: true, transposeB: transposeA)
                            : a.matmul(g, transposeA: !transposeA, transposeB: false)
        return [da, db]
    }

    @_specialize(where T == Float) @_specialize(where T == Double)
    public func makeKernel<T: NetScalar>(_ context: KernelContext<T>) -> Kernel {
        let (batch, m, k, n) = try! dims(context.inputShapes[0], context.inputShapes[1])
        let a = context.inputs[0], b = context.inputs[1], c = context.output
        let ta = transposeA, tb = transposeB
        let lda = ta ? m : k, ldb = tb ? k : n
        if m * n * k <= 4096 {
            // Small products: BLAS's call overhead dominates (the tiny_ops workload).
            return {
                for p in 0..<batch {
                    let ap = a + p * m * k, bp = b + p * k * n, cp = c + p * m * n
                    for i in 0..<m {
                        for j in 0..<n { cp[i * n + j] = 0 }
                        for l in 0..<k {
                            let av = ta ? ap[l * lda + i] : ap[i * lda + l]
                            if tb {
                                for j in 0..<n { cp[i * n + j] += av * bp[j * ldb + l] }
                            } else {
                                let row = bp + l * ldb
                                for j in 0..<n { cp[i * n + j] += av * row[j] }
                            }
                        }
                    }
                }
            }
        }
        if k <= 8 && !ta && batch == 1 {
            // A thin inner dimension (the 2-D inputs of the toy flows): BLAS is memory-bound
            // and slow here; rows of C as k scaled rows of B, vectorised, rows in parallel.
            let bRows = context.workspace(k * n)
            return {
                // B as [k, n] (transposed into scratch when stored as [n, k]).
                for l in 0..<k { for j in 0..<n { bRows[l * n + j] = tb ? b[j * k + l] : b[l * n + j] } }
                parallelChunks(m, minimumPerThread: Swift.max(1, 16_384 / Swift.max(n, 1))) { rows in
                    for i in rows {
                        let ci = c + i * n, ai = a + i * k
                        let a0 = ai[0]
                        for j in 0..<n { ci[j] = a0 * bRows[j] }
                        for l in 1..<Swift.max(k, 1) {
                            let al = ai[l], bl = bRows + l * n
                            for j in 0..<n { ci[j] += al * bl[j] }
                        }
                    }
                }
            }
        }
        return {
            for p in 0..<batch {
                splitGemm(transA: ta, transB: tb, m: m, n: n, k: k,
                          a: a + p * m * k, lda: lda, b: b + p * k * n, ldb: ldb,
                          beta: 0, c: c + p * m * n, ldc: n)
            }
        }
    }
}

extension Node {
    /// op(self)·op(other) for matrices or batches of matrices.
    public func matmul(_ other: Node, transposeA: Bool = false, transposeB: Bool = false) -> Node {
        graph.apply(MatmulOp(transposeA: transposeA, transposeB: transposeB), [self, other])
    }
}
