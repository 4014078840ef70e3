import XCTest
import NetRuntime
@testable import NetLibrary

/// The power-series log-determinant of eq. 5.6 on a small residual block g(x) = W₂·tanh(W₁x)
/// with Lip(g) < 1, against the exact log|det(I + J_g)| from LAPACK.
final class PowerSeriesLogDetTests: XCTestCase {
    let small = SmallResidualBlock()
    var d: Int { small.d }
    var hidden: Int { small.hidden }
    func makeWeights(_ rng: inout RandomGenerator) throws -> (Tensor<Double>, Tensor<Double>) { try small.makeWeights(&rng) }
    func block(_ x: Node, _ w1: Node, _ w2: Node) -> Node { small.block(x, w1, w2) }
    func exactLogDet(_ point: [Double], _ w1: Tensor<Double>, _ w2: Tensor<Double>) throws -> Double { try small.exactLogDet(point, w1, w2) }

    func testSeriesConvergesToExactAndEstimatorIsUnbiased() throws {
        var rng = RandomGenerator(seed: 21)
        let (w1, w2) = try makeWeights(&rng)
        let point = [0.3, -0.7, 0.5]
        let exact = try exactLogDet(point, w1, w2)

        // Many probes in one batch: the same point repeated, one probe per row.
        let probes = 20_000
        let g = Graph()
        let x = g.constant(Tensor(shape: [probes, d], scalars: (0..<probes).flatMap { _ in point }))
        let y = block(x, g.constant(w1), g.constant(w2))
        let v = g.random(.normal(mean: 0, std: 1), shape: [probes, d])
        let estimates = [2, 5, 10].map { PowerSeriesLogDet.estimate(block: y, input: x, probe: v, terms: $0) }
        let out = g.evaluate(estimates, as: Double.self, seed: 3)
        var previousBias = Double.infinity
        for (n, e) in zip([2, 5, 10], out) {
            let mean = e.scalars.reduce(0, +) / Double(probes)
            let variance = e.scalars.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(probes - 1)
            let standardError = (variance / Double(probes)).squareRoot()
            // Truncation bias: |Σ_{k>n} tr(Jᵏ)/k| ≤ d·Σ_{k>n} Lᵏ/k with L = 0.5625 (Thm 5.8's tail).
            let lip = 0.75 * 0.75
            let tail = Double(d) * (n + 1...200).map { pow(lip, Double($0)) / Double($0) }.reduce(0, +)
            XCTAssertLessThan(abs(mean - exact), tail + 3 * standardError, "n = \(n)")
            if n == 10 { XCTAssertLessThan(abs(mean - exact), 3 * standardError + 1e-4) }
            previousBias = min(previousBias, abs(mean - exact))
        }
    }

    /// Alg. 2: the gradient of the estimate with respect to the weights (through the
    /// vector-Jacobian products) matches finite differences.
    func testGradientReachesTheWeights() throws {
        var rng = RandomGenerator(seed: 5)
        let (w1v, w2v) = try makeWeights(&rng)
        let g = Graph()
        let w1 = g.input("w1", shape: [hidden, d]), w2 = g.input("w2", shape: [d, hidden])
        let x = g.constant(.randomNormal([4, d], rng: &rng))
        let probe = g.constant(.randomNormal([4, d], rng: &rng))
        let estimate = PowerSeriesLogDet.estimate(block: block(x, w1, w2), input: x, probe: probe, terms: 5).sum()
        let grads = g.gradients(of: estimate, wrt: [w1, w2])
        let exec = Executor<Double>(graph: g, outputs: [estimate] + grads)
        var values = [w1v, w2v]
        func run() -> Double { exec.setInput(w1, values[0]); exec.setInput(w2, values[1]); exec.run(); return exec.scalar(estimate) }
        _ = run()
        let analytic = grads.map { exec.value($0) }
        XCTAssertGreaterThan(analytic[0].scalars.map(abs).max()!, 1e-3, "the gradient must not vanish")
        for k in 0..<2 {
            for j in 0..<values[k].count {
                let saved = values[k].scalars[j]
                values[k].scalars[j] = saved + 1e-6; let up = run()
                values[k].scalars[j] = saved - 1e-6; let down = run()
                values[k].scalars[j] = saved
                XCTAssertEqual(analytic[k].scalars[j], (up - down) / 2e-6, accuracy: 1e-6)
            }
        }
    }
}
import Foundation
