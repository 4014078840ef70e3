import XCTest
import NetRuntime
@testable import NetLibrary

/// The Russian-roulette log-det estimator and the Neumann-series gradient (Residual Flows)
/// on the small block of `PowerSeriesLogDetTests`, against the exact log|det(I + J_g)|.
final class RussianRouletteLogDetTests: XCTestCase {
    let helper = SmallResidualBlock()
    var d: Int { helper.d }
    var hidden: Int { helper.hidden }

    func testTermDistributions() {
        let geometric = TermDistribution.geometric(p: 0.5), poisson = TermDistribution.poisson(lambda: 2)
        XCTAssertEqual(geometric.survival(0), 1)
        XCTAssertEqual(geometric.survival(3), 0.125, accuracy: 1e-15)
        // Poisson(2): P(K ≥ 1) = 1 − e⁻², P(K ≥ 3) = 1 − e⁻²(1 + 2 + 2).
        XCTAssertEqual(poisson.survival(1), 1 - exp(-2), accuracy: 1e-14)
        XCTAssertEqual(poisson.survival(3), 1 - exp(-2) * 5, accuracy: 1e-14)
        XCTAssertLessThan(poisson.survival(poisson.maximum + 1), 1e-12)
        XCTAssertEqual(geometric.maximum, 39)        // 0.5⁴⁰ < 1e-12 ≤ 0.5³⁹
        for distribution in [geometric, poisson] {
            var rng = RandomGenerator(seed: 9)
            let draws = (0..<50_000).map { _ in distribution.sample(&rng) }
            let mean = Double(draws.reduce(0, +)) / Double(draws.count)
            XCTAssertEqual(mean, distribution.mean, accuracy: 0.04, "\(distribution)")
            let atLeastTwo = Double(draws.filter { $0 >= 2 }.count) / Double(draws.count)
            XCTAssertEqual(atLeastTwo, distribution.survival(2), accuracy: 0.01, "\(distribution)")
        }
    }

    /// Mean over many (probe, K) draws within 3 standard errors of the exact log-det, where
    /// the truncated series with the same exact terms is visibly biased.
    func testRouletteIsUnbiased() throws {
        var rng = RandomGenerator(seed: 21)
        let (w1, w2) = try helper.makeWeights(&rng)
        let point = [0.3, -0.7, 0.5]
        let exact = try helper.exactLogDet(point, w1, w2)
        for distribution in [TermDistribution.geometric(p: 0.5), .poisson(lambda: 2)] {
            let probes = 8_000
            var draws = RandomGenerator(seed: 77)
            let ks = (0..<probes).map { _ in distribution.sample(&draws) }
            let g = Graph()
            let x = g.constant(Tensor(shape: [probes, d], scalars: (0..<probes).flatMap { _ in point }))
            let y = helper.block(x, g.constant(w1), g.constant(w2))
            let v = g.random(.normal(mean: 0, std: 1), shape: [probes, d])
            // One graph per draw K over all rows; row i keeps the estimate for its own K.
            let kinds = Array(Set(ks)).sorted()
            let estimates = kinds.map { k in
                let settings = LogDetSettings(method: .russianRoulette(exactTerms: 1, distribution: distribution), extraTerms: k)
                return PowerSeriesLogDet.estimate(block: y, input: x, probe: v, weights: settings.termWeights!)
            }
            let truncated = PowerSeriesLogDet.estimate(block: y, input: x, probe: v, terms: 1)
            let out = g.evaluate(estimates + [truncated], as: Double.self, seed: 5)
            let values = ks.enumerated().map { i, k in out[kinds.firstIndex(of: k)!].scalars[i] }
            let (mean, se) = meanAndStandardError(values)
            XCTAssertLessThan(abs(mean - exact), 3 * se, "\(distribution): mean \(mean), exact \(exact), se \(se)")
            let (truncatedMean, truncatedSE) = meanAndStandardError(out.last!.scalars)
            XCTAssertGreaterThan(abs(truncatedMean - exact), 5 * truncatedSE, "the 1-term series must be biased for the test to mean anything")
        }
    }

    /// With the basis vectors as probes, Σᵢ eᵢᵀ(·)eᵢ is an exact trace: the Neumann gradient
    /// then equals the gradient of the exact-trace series Σ_{k≤T} (−1)^{k+1} tr(Jᵏ)/k
    /// (d tr(Jᵏ) = k·tr(Jᵏ⁻¹ dJ)), checked against finite differences of that series —
    /// and its value is the series itself, not the surrogate.
    func testNeumannGradientWithExactTraces() throws {
        var rng = RandomGenerator(seed: 5)
        let (w1v, w2v) = try helper.makeWeights(&rng)
        let point = [0.2, 0.4, -0.6]
        for weights in [[1.0, 1, 1, 1, 1], LogDetSettings(method: .russianRoulette(exactTerms: 2, distribution: .geometric(p: 0.5)), extraTerms: 3).termWeights!] {
            let g = Graph()
            let w1 = g.input("w1", shape: [hidden, d]), w2 = g.input("w2", shape: [d, hidden])
            let x = g.constant(Tensor(shape: [d, d], scalars: (0..<d).flatMap { _ in point }))
            var eye = Tensor<Double>.zeros([d, d])
            for i in 0..<d { eye[i, i] = 1 }
            let probe = g.constant(eye)
            let y = helper.block(x, w1, w2)
            let neumann = NeumannLogDetGradient.estimate(block: y, input: x, probe: probe, weights: weights).sum()
            let series = PowerSeriesLogDet.estimate(block: y, input: x, probe: probe, weights: weights).sum()
            let grads = g.gradients(of: neumann, wrt: [w1, w2])
            let exec = Executor<Double>(graph: g, outputs: [neumann, series] + grads)
            var values = [w1v, w2v]
            func run() -> Double { exec.setInput(w1, values[0]); exec.setInput(w2, values[1]); exec.run(); return exec.scalar(series) }
            _ = run()
            XCTAssertEqual(exec.scalar(neumann), exec.scalar(series), accuracy: 1e-12, "the value is the series estimate")
            let analytic = grads.map { exec.value($0) }
            // Finite differences of the exact-trace series with weights: d/dθ Σ_k c_k tr(Jᵏ)/k
            // = Σ_k c_k tr(Jᵏ⁻¹ dJ), the Neumann gradient with the same weights.
            for k in 0..<2 {
                for j in 0..<values[k].count {
                    let saved = values[k].scalars[j]
                    values[k].scalars[j] = saved + 1e-6; let up = run()
                    values[k].scalars[j] = saved - 1e-6; let down = run()
                    values[k].scalars[j] = saved
                    XCTAssertEqual(analytic[k].scalars[j], (up - down) / 2e-6, accuracy: 1e-7)
                }
            }
            XCTAssertGreaterThan(analytic[0].scalars.map(abs).max()!, 1e-3)
        }
    }

    /// Gaussian probes and random K: the mean Neumann gradient is within 3 standard errors
    /// of the finite-difference gradient of the exact log-det (unbiased gradient).
    func testNeumannRouletteGradientIsUnbiased() throws {
        var rng = RandomGenerator(seed: 8)
        let (w1v, w2v) = try helper.makeWeights(&rng)
        let point = [0.3, -0.7, 0.5]
        let distribution = TermDistribution.geometric(p: 0.5)
        // 20 independent groups of 200 probes: the groups' mean gradients give the estimate
        // and its standard error.
        let groups = 20, perGroup = 200
        var draws = RandomGenerator(seed: 13)
        let g = Graph()
        let w2 = g.input("w2", shape: [d, hidden])
        let x = g.constant(Tensor(shape: [perGroup, d], scalars: (0..<perGroup).flatMap { _ in point }))
        let y = helper.block(x, g.constant(w1v), w2)
        var groupGrads: [Node] = []
        for _ in 0..<groups {
            let v = g.random(.normal(mean: 0, std: 1), shape: [perGroup, d])
            let ks = (0..<perGroup).map { _ in distribution.sample(&draws) }
            var part: Node? = nil
            for k in Set(ks).sorted() {
                // Rows with draw K use K's weights.
                let mask = Tensor(shape: [perGroup], scalars: ks.map { $0 == k ? 1.0 : 0.0 })
                let weights = LogDetSettings(method: .russianRoulette(exactTerms: 1, distribution: distribution), extraTerms: k).termWeights!
                let e = (NeumannLogDetGradient.estimate(block: y, input: x, probe: v, weights: weights) * g.constant(mask)).sum()
                part = part.map { $0 + e } ?? e
            }
            groupGrads.append(g.gradients(of: part! * (1 / Double(perGroup)), wrt: [w2])[0])
        }
        let exec = Executor<Double>(graph: g, outputs: groupGrads, seed: 4)
        exec.setInput(w2, w2v)
        exec.run()
        let groupValues = groupGrads.map { exec.value($0) }
        for j in 0..<w2v.count {
            var plus = w2v, minus = w2v
            plus.scalars[j] += 1e-6; minus.scalars[j] -= 1e-6
            let fd = (try helper.exactLogDet(point, w1v, plus) - helper.exactLogDet(point, w1v, minus)) / 2e-6
            let (estimate, se) = meanAndStandardError(groupValues.map { $0.scalars[j] })
            XCTAssertLessThan(abs(estimate - fd), 3 * se + 1e-9, "component \(j): \(estimate) vs \(fd) (se \(se))")
        }
    }

    func meanAndStandardError(_ xs: [Double]) -> (Double, Double) {
        let mean = xs.reduce(0, +) / Double(xs.count)
        let variance = xs.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(xs.count - 1)
        return (mean, (variance / Double(xs.count)).squareRoot())
    }
}
