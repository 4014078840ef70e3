import XCTest
import NetRuntime
@testable import NetLibrary

/// Lemma 5.5 and Theorem 5.8 on a real constrained flow (weights scaled far above c, so
/// every layer sits on its constraint): the exact log-determinant of every point lies in
/// Lemma 5.5's interval, and the n-term series with exact traces is within Thm 5.8's
/// bound of it for every block and n.
final class LogDetBoundsTests: XCTestCase {
    func testLemma55AndTheorem58HoldOnAConstrainedFlow() throws {
        let g = Graph()
        let c = 0.9, d = 3, blocks = 3
        let layers: [Layer] = (0..<blocks).map { _ in
            Residual([Dense(units: 16, constraint: LipschitzConstraint(coefficient: c)), Activation.elu(),
                      Dense(units: d, constraint: LipschitzConstraint(coefficient: c))])
        }
        let model = try Model(name: "flow", inputShape: [d], layers: layers, graph: g, seed: 11)
        let store = VariableStore<Float>(g)
        for p in model.parameters where p.rank == 2 { store.assign(p, Tensor(shape: p.shape, scalars: store.value(p).scalars.map { $0 * 5 })) }
        // Converge the power iterations (state updates only).
        let x = g.input("x", shape: [64, d])
        let training = ApplyContext(training: true)
        let converge = Executor<Float>(graph: g, outputs: [model.apply(x, training)], variables: store, updates: training.updates)
        var rng = RandomGenerator(seed: 2)
        let points = Tensor<Double>.randomNormal([64, d], std: 2, rng: &rng)
        converge.setInput(x, points.converted(to: Float.self))
        for _ in 0..<100 { converge.run() }

        // Block Jacobians at their inputs, in Float64.
        let context = ApplyContext(training: false)
        context.collectsBlockJacobians = true
        _ = model.apply(x, context)
        let doubles = VariableStore<Double>(converting: store)
        let jacobians = g.evaluate(context.blockJacobians, as: Double.self, inputs: [x: points], variables: doubles)
        XCTAssertEqual(jacobians.count, blocks)

        let (lower, upper) = LogDetBounds.lemma55(dimension: d, lipschitz: Array(repeating: c * c, count: blocks))
        let lip = c * c * (1 + 1e-3)     // the power-iteration estimate, converged in float32
        var maxRatio = 0.0
        for p in 0..<64 {
            var total = 0.0
            for jac in jacobians {
                let j = Array(jac.scalars[(p * d * d)..<((p + 1) * d * d)])
                var m = Tensor<Double>(shape: [d, d], scalars: j)
                for i in 0..<d { m[i, i] += 1 }
                let exact = try slogdet(m).logAbsDet
                total += exact
                for n in 1...10 {
                    let series = try LogDetEstimatorStatistics.compute(jacobians: [Tensor(shape: [1, d, d], scalars: j)], terms: [n], rademacher: false)[0]
                    let bound = LogDetBounds.theorem58(dimension: d, lipschitz: lip, terms: n)
                    XCTAssertLessThanOrEqual(series.meanAbsoluteBias, bound, "point \(p), n = \(n)")
                    maxRatio = max(maxRatio, series.meanAbsoluteBias / bound)
                }
            }
            XCTAssertGreaterThanOrEqual(total, lower)
            XCTAssertLessThanOrEqual(total, upper)
        }
        XCTAssertGreaterThan(maxRatio, 1e-4, "the bound is not vacuous here")
    }
}
