import Foundation
import NetRuntime
@testable import NetLibrary

/// A small residual block g(x) = W₂·tanh(W₁x) on ℝ³ with Lip(g) ≤ 0.75² (weights scaled
/// to spectral norm 0.75), and its exact log|det(I + J_g)| from LAPACK: the oracle of the
/// log-det estimator tests.
struct SmallResidualBlock {
    let d = 3, hidden = 5

    /// Weights for a block whose Lipschitz constant is below 0.6: weights scaled to spectral norm ≤ 0.75.
    func makeWeights(_ rng: inout RandomGenerator) throws -> (Tensor<Double>, Tensor<Double>) {
        var w1 = Tensor<Double>.randomNormal([hidden, d], rng: &rng)
        var w2 = Tensor<Double>.randomNormal([d, hidden], rng: &rng)
        let s1 = try spectralNorm(w1), s2 = try spectralNorm(w2)
        w1.scalars = w1.scalars.map { $0 * 0.75 / s1 }
        w2.scalars = w2.scalars.map { $0 * 0.75 / s2 }
        return (w1, w2)
    }

    func block(_ x: Node, _ w1: Node, _ w2: Node) -> Node {
        x.matmul(w1, transposeB: true).tanh().matmul(w2, transposeB: true)
    }

    /// log|det(I + J)| for one point, J from d vector-Jacobian products.
    func exactLogDet(_ point: [Double], _ w1: Tensor<Double>, _ w2: Tensor<Double>) throws -> Double {
        let g = Graph()
        let x = g.constant(Tensor(shape: [1, d], scalars: point))
        let y = block(x, g.constant(w1), g.constant(w2))
        let rows = (0..<d).map { i in
            g.vjp(y, wrt: x, vector: g.constant(Tensor(shape: [1, d], scalars: (0..<d).map { $0 == i ? 1 : 0 })))
        }
        let values = g.evaluate(rows, as: Double.self)
        var m = Tensor<Double>.zeros([d, d])
        for i in 0..<d { for j in 0..<d { m[i, j] = values[i].scalars[j] + (i == j ? 1 : 0) } }
        return try slogdet(m).logAbsDet
    }

}
