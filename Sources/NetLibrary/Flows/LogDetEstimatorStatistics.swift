import NetRuntime

/// Fig. 5.3 without Monte-Carlo noise: the bias and standard deviation of the n-term,
/// one-probe power-series estimate of a flow's log-determinant, from each residual
/// block's exact Jacobian J at the block's input.
///
/// With A_n = Σ_{k≤n} (−1)^{k+1} Jᵏ/k, the one-probe estimate of block b is vᵀA_n v, so
/// - its expectation is tr(A_n) — the series with exact traces — and the bias is
///   tr(A_n) − log|det(I + J)| (Thm 5.8 bounds it);
/// - its variance is 2‖S‖_F² for v ~ N(0, I) and 2(‖S‖_F² − Σᵢ Sᵢᵢ²) for Rademacher v,
///   S = (A_n + A_nᵀ)/2 (a quadratic form's variance; probes of different blocks are
///   independent, so the variances add).
public enum LogDetEstimatorStatistics {
    public struct Row: Sendable {
        public var terms: Int
        /// Mean over points of |Σ_b (tr(A_n) − log|det(I + J_b)|)|.
        public var meanAbsoluteBias: Double
        /// Mean over points of the standard deviation of the one-probe estimate.
        public var meanStandardDeviation: Double
    }

    /// `jacobians`: per block, [N, d, d] (J at each point's input to the block).
    public static func compute(jacobians: [Tensor<Double>], terms: [Int], rademacher: Bool) throws -> [Row] {
        precondition(!terms.isEmpty && terms.allSatisfy { $0 >= 1 })
        guard let first = jacobians.first else { return terms.map { Row(terms: $0, meanAbsoluteBias: 0, meanStandardDeviation: 0) } }
        let n = first.shape[0]
        let maxTerms = terms.max()!
        var bias = [[Double]](repeating: [Double](repeating: 0, count: n), count: terms.count)
        var variance = bias
        for jac in jacobians {
            let d = jac.shape[1]
            var power = [Double](repeating: 0, count: d * d), next = power, a = power
            var identity = Tensor<Double>.zeros([d, d])
            for i in 0..<d { identity[i, i] = 1 }
            for p in 0..<n {
                let j = Array(jac.scalars[(p * d * d)..<((p + 1) * d * d)])
                let logdet = try slogdet(Tensor(shape: [d, d], scalars: zip(j, identity.scalars).map(+))).logAbsDet
                power = identity.scalars
                for i in 0..<(d * d) { a[i] = 0 }
                for k in 1...maxTerms {
                    j.withUnsafeBufferPointer { jb in
                        power.withUnsafeBufferPointer { pb in
                            next.withUnsafeMutableBufferPointer { nb in
                                Double.gemm(transA: false, transB: false, m: d, n: d, k: d, alpha: 1, a: pb.baseAddress!, lda: d,
                                            b: jb.baseAddress!, ldb: d, beta: 0, c: nb.baseAddress!, ldc: d)
                            }
                        }
                    }
                    swap(&power, &next)
                    let c = (k % 2 == 1 ? 1.0 : -1.0) / Double(k)
                    for i in 0..<(d * d) { a[i] += c * power[i] }
                    guard terms.contains(k) else { continue }
                    var trace = 0.0, frobenius = 0.0, diagonal = 0.0
                    for r in 0..<d {
                        trace += a[r * d + r]
                        diagonal += a[r * d + r] * a[r * d + r]
                        for s in 0..<d {
                            let sym = 0.5 * (a[r * d + s] + a[s * d + r])
                            frobenius += sym * sym
                        }
                    }
                    for (index, value) in terms.enumerated() where value == k {
                        bias[index][p] += trace - logdet
                        variance[index][p] += 2 * (rademacher ? frobenius - diagonal : frobenius)
                    }
                }
            }
        }
        return terms.indices.map { i in
            Row(terms: terms[i],
                meanAbsoluteBias: bias[i].map(abs).reduce(0, +) / Double(max(n, 1)),
                meanStandardDeviation: variance[i].map { $0.squareRoot() }.reduce(0, +) / Double(max(n, 1)))
        }
    }
}
