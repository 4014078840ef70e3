import XCTest
@testable import NetRuntime

/// Each optimiser minimises ½‖Ax − b‖² and must approach the solution x* = A⁻¹b.
final class OptimizerConvergenceTests: XCTestCase {
    let a: [[Double]] = [[3, 1, 0], [1, 2, 0.5], [0, -0.5, 1]]
    let xStar: [Double] = [1, -2, 0.5]
    var b: [Double] { a.map { row in zip(row, xStar).map(*).reduce(0, +) } }

    /// ∇ ½‖Ax − b‖² = Aᵀ(Ax − b).
    func gradient(_ x: [Double]) -> [Double] {
        let b = self.b
        let r = a.indices.map { i in zip(a[i], x).map(*).reduce(0, +) - b[i] }
        return x.indices.map { j in a.indices.map { i in a[i][j] * r[i] }.reduce(0, +) }
    }

    func distance<T: NetScalar>(after optimizer: Optimizer<T>, steps: Int,
                                schedule: (any LearningRateSchedule)? = nil) -> Double {
        // Split into two buffers to exercise several parameters.
        let traj = runOptimizer(optimizer, sizes: [1, 2], initial: [0, 0, 0], steps: steps) { _, x in
            if let s = schedule { optimizer.apply(s, epoch: 0) }
            return self.gradient(x)
        }
        let x = traj.last!
        return zip(x, xStar).map { ($0 - $1) * ($0 - $1) }.reduce(0, +).squareRoot()
    }

    func testEveryOptimizerConverges() {
        let sizes = [1, 2]
        let cases: [(String, Optimizer<Double>, Int, (any LearningRateSchedule)?)] = [
            ("sgd", SGD(parameterSizes: sizes, learningRate: 0.1), 1500, nil),
            ("momentum", SGD(parameterSizes: sizes, learningRate: 0.05, momentum: 0.9), 600, nil),
            ("nesterov", SGD(parameterSizes: sizes, learningRate: 0.05, momentum: 0.9, nesterov: true), 600, nil),
            ("dampened", SGD(parameterSizes: sizes, learningRate: 0.05, momentum: 0.9, dampening: 0.5), 800, nil),
            ("adam", Adam(parameterSizes: sizes), 3000,
             ExponentialSchedule(base: 0.05, gamma: 0.998, clock: .step).withWarmup(steps: 20)),
            ("adamw", AdamW(parameterSizes: sizes, weightDecay: 0), 3000,
             CosineAnnealingSchedule(base: 0.05, period: 3000, clock: .step)),
            ("adamax", Adamax(parameterSizes: sizes), 3000,
             ExponentialSchedule(base: 0.05, gamma: 0.998, clock: .step)),
        ]
        for (name, opt, steps, schedule) in cases {
            let d = distance(after: opt, steps: steps, schedule: schedule)
            XCTAssertLessThan(d, 1e-9, name)
        }
        // Float32 too.
        let f = distance(after: Adam<Float>(parameterSizes: sizes), steps: 3000,
                         schedule: ExponentialSchedule(base: 0.05, gamma: 0.998, clock: .step))
        XCTAssertLessThan(f, 1e-3, "adam float")
    }

    func testWeightDecayBiasesTheSolutionTowardsZero() {
        // With L2 decay λ the minimiser solves (AᵀA + λI)x = Aᵀb, so ‖x‖ < ‖x*‖.
        let opt = SGD<Double>(parameterSizes: [1, 2], learningRate: 0.05, momentum: 0.9, weightDecay: 0.5)
        let x = runOptimizer(opt, sizes: [1, 2], initial: [0, 0, 0], steps: 600) { _, x in self.gradient(x) }.last!
        let norm = { (v: [Double]) in v.map { $0 * $0 }.reduce(0, +).squareRoot() }
        XCTAssertLessThan(norm(x), norm(xStar) - 0.05)
    }
}
