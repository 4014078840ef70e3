/// The shape of one matrix product C[m, n] = A[m, k]·B[k, n], run `count` times.
///
/// The roofline account (`StepCost`, `netl bench --profile`) measures OpenBLAS's sgemm on
/// the products a training step is made of; an op whose work is products says which, in
/// `ProductWork.gemmShapes`.
public struct GemmShape: Hashable, Sendable, CustomStringConvertible {
    public let m: Int, n: Int, k: Int
    public let count: Int

    public init(m: Int, n: Int, k: Int, count: Int = 1) {
        (self.m, self.n, self.k, self.count) = (m, n, k, count)
    }

    /// Multiply-adds of all `count` products.
    public var multiplyAdds: Int { m * n * k * count }

    /// The same product, once.
    public var single: GemmShape { GemmShape(m: m, n: n, k: k) }

    public var description: String { "\(count > 1 ? "\(count)× " : "")\(m)×\(k)·\(k)×\(n)" }
}

/// An op whose work is matrix products: the products, as GEMM shapes whose multiply-adds
/// add up to the op's `multiplyAdds` (ProductWorkTests checks this for every conforming op).
public protocol ProductWork: Operation {
    func gemmShapes(_ inputShapes: [[Int]]) -> [GemmShape]
}

extension MatmulOp: ProductWork {
    public func gemmShapes(_ inputShapes: [[Int]]) -> [GemmShape] {
        let (a, b) = (inputShapes[0], inputShapes[1])
        let batch = a.count == 3 ? a[0] : 1
        let (ar, br) = (Array(a.suffix(2)), Array(b.suffix(2)))
        let (m, k) = transposeA ? (ar[1], ar[0]) : (ar[0], ar[1])
        let n = transposeB ? br[0] : br[1]
        return [GemmShape(m: m, n: n, k: k, count: batch)]
    }
}

extension LinearOp: ProductWork {
    /// x [m, k] · Wᵀ [k, n].
    public func gemmShapes(_ inputShapes: [[Int]]) -> [GemmShape] {
        [GemmShape(m: inputShapes[0][0], n: inputShapes[1][0], k: inputShapes[1][1])]
    }
}

extension DenseChainOp: ProductWork {
    /// One product per layer: h_{l−1} [m, k_l] · W_lᵀ.
    public func gemmShapes(_ inputShapes: [[Int]]) -> [GemmShape] {
        activations.indices.map { l in
            let w = inputShapes[1 + 2 * l]
            return GemmShape(m: inputShapes[0][0], n: w[0], k: w[1])
        }
    }
}

/// A convolution as the one product of the im2col formulation over the whole batch:
/// weights [C_out, C_in·k_h·k_w] times columns [C_in·k_h·k_w, N·H_o·W_o] — the largest,
/// most efficient product its work can be written as (the bound must not favour NetLang).
private func convolutionProduct(_ g: ConvGeometry) -> (outChannels: Int, patch: Int, positions: Int) {
    (g.outChannels, g.inChannels * g.kernelHeight * g.kernelWidth, g.batch * g.outHeight * g.outWidth)
}

extension Conv2DOp: ProductWork {
    public func gemmShapes(_ inputShapes: [[Int]]) -> [GemmShape] {
        guard let g = try? window.geometry(x: inputShapes[0], w: inputShapes[1], op: name) else { return [] }
        let (co, patch, positions) = convolutionProduct(g)
        return [GemmShape(m: co, n: positions, k: patch)]
    }
}

extension Conv2DBackwardInputOp: ProductWork {
    /// Columns = Wᵀ [C_in·k_h·k_w, C_out] · dy [C_out, N·H_o·W_o] (then col2im).
    public func gemmShapes(_ inputShapes: [[Int]]) -> [GemmShape] {
        guard let g = try? geometry(dy: inputShapes[0], w: inputShapes[1]) else { return [] }
        let (co, patch, positions) = convolutionProduct(g)
        return [GemmShape(m: patch, n: positions, k: co)]
    }
}

extension Conv2DBackwardWeightOp: ProductWork {
    /// dW = dy [C_out, N·H_o·W_o] · columnsᵀ [N·H_o·W_o, C_in·k_h·k_w].
    public func gemmShapes(_ inputShapes: [[Int]]) -> [GemmShape] {
        guard let g = try? geometry(x: inputShapes[0], dy: inputShapes[1]) else { return [] }
        let (co, patch, positions) = convolutionProduct(g)
        return [GemmShape(m: co, n: patch, k: positions)]
    }
}
