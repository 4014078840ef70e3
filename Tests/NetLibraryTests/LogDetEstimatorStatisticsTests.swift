import XCTest
import NetRuntime
@testable import NetLibrary

/// The exact bias and standard deviation of the one-probe series estimate (Fig. 5.3)
/// against Monte-Carlo over many probes, Gaussian and Rademacher.
final class LogDetEstimatorStatisticsTests: XCTestCase {
    let small = SmallResidualBlock()

    func testExactStatisticsMatchSampling() throws {
        var rng = RandomGenerator(seed: 31)
        let (w1, w2) = try small.makeWeights(&rng)
        let point = [0.4, 0.1, -0.8]
        let d = small.d
        let exact = try small.exactLogDet(point, w1, w2)
        let g = Graph()
        let x1 = g.constant(Tensor(shape: [1, d], scalars: point))
        let jacobian = g.evaluate([g.batchJacobian(of: small.block(x1, g.constant(w1), g.constant(w2)), wrt: x1)], as: Double.self)[0]
        for rademacher in [false, true] {
            let rows = try LogDetEstimatorStatistics.compute(jacobians: [jacobian], terms: [1, 3, 8], rademacher: rademacher)
            let probes = 20_000
            let x = g.constant(Tensor(shape: [probes, d], scalars: (0..<probes).flatMap { _ in point }))
            let y = small.block(x, g.constant(w1), g.constant(w2))
            let v = g.random(rademacher ? .rademacher : .normal(mean: 0, std: 1), shape: [probes, d])
            let estimates = g.evaluate([1, 3, 8].map { PowerSeriesLogDet.estimate(block: y, input: x, probe: v, terms: $0) },
                                       as: Double.self, seed: 17)
            for (row, e) in zip(rows, estimates) {
                let mean = e.scalars.reduce(0, +) / Double(probes)
                let std = (e.scalars.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(probes - 1)).squareRoot()
                XCTAssertEqual(row.meanStandardDeviation, std, accuracy: 0.03 * std, "n = \(row.terms), rademacher \(rademacher)")
                XCTAssertEqual(mean - exact, row.meanAbsoluteBias * ((mean - exact) < 0 ? -1 : 1),
                               accuracy: 3 * std / Double(probes).squareRoot() + 1e-12, "n = \(row.terms)")
            }
            XCTAssertGreaterThan(rows[0].meanAbsoluteBias, 10 * rows[1].meanAbsoluteBias, "the bias falls with the terms")
            XCTAssertLessThan(rows[2].meanAbsoluteBias, LogDetBounds.theorem58(dimension: d, lipschitz: 0.5625, terms: 8))
        }
    }
}
