import XCTest
@testable import NetRuntime

final class SGDTests: XCTestCase {
    let g: [Double] = [0.5, 1.0]
    let p0: [Double] = [1.0, -2.0]

    func testPlainAndWeightDecayByHand() {
        let plain = runOptimizer(SGD<Double>(parameterSizes: [2], learningRate: 0.1),
                                 sizes: [2], initial: p0, steps: 2) { _, _ in self.g }
        assertClose(plain[0], [0.95, -2.1], tolerance: 1e-14)
        assertClose(plain[1], [0.9, -2.2], tolerance: 1e-14)
        // d = g + 0.1·p = [0.6, 0.8]
        let decayed = runOptimizer(SGD<Double>(parameterSizes: [2], learningRate: 0.1, weightDecay: 0.1),
                                   sizes: [2], initial: p0, steps: 1) { _, _ in self.g }
        assertClose(decayed[0], [0.94, -2.08], tolerance: 1e-14)
    }

    func testMomentumByHand() {
        // b1 = g; b2 = 0.9·g + g = 1.9g; b3 = 0.9·1.9g + g = 2.71g.
        let traj = runOptimizer(SGD<Double>(parameterSizes: [2], learningRate: 0.1, momentum: 0.9),
                                sizes: [2], initial: p0, steps: 3) { _, _ in self.g }
        assertClose(traj[0], [0.95, -2.1], tolerance: 1e-14)
        assertClose(traj[1], [0.855, -2.29], tolerance: 1e-14)
        assertClose(traj[2], [0.7195, -2.561], tolerance: 1e-14)
    }

    func testNesterovByHand() {
        // step 1: d = g + 0.9·g = 1.9g; step 2: b = 1.9g, d = g + 0.9·1.9g = 2.71g.
        let traj = runOptimizer(SGD<Double>(parameterSizes: [2], learningRate: 0.1, momentum: 0.9, nesterov: true),
                                sizes: [2], initial: p0, steps: 2) { _, _ in self.g }
        assertClose(traj[0], [0.905, -2.19], tolerance: 1e-14)
        assertClose(traj[1], [0.7695, -2.461], tolerance: 1e-14)
    }

    func testDampeningSkipsFirstStepLikePyTorch() {
        // b1 = g (undampened); b2 = 0.9·g + 0.5·g = 1.4g.
        let traj = runOptimizer(SGD<Double>(parameterSizes: [2], learningRate: 0.1, momentum: 0.9, dampening: 0.5),
                                sizes: [2], initial: p0, steps: 2) { _, _ in self.g }
        assertClose(traj[0], [0.95, -2.1], tolerance: 1e-14)
        assertClose(traj[1], [0.88, -2.24], tolerance: 1e-14)
    }

    /// Independent textbook loop: heavy ball with PyTorch's first-step initialisation.
    func reference(lr: Double, mu: Double, tau: Double, wd: Double, nesterov: Bool, steps: Int) -> [[Double]] {
        var p = optimTestStart, buf = [Double](repeating: 0, count: p.count), out = [[Double]]()
        for t in 1...steps {
            let g = optimTestGradient(t, p)
            for j in p.indices {
                var d = g[j] + wd * p[j]
                if mu != 0 {
                    buf[j] = t == 1 ? d : mu * buf[j] + (1 - tau) * d
                    d = nesterov ? d + mu * buf[j] : buf[j]
                }
                p[j] = p[j] - lr * d
            }
            out.append(p)
        }
        return out
    }

    func testAgainstReferenceDoubleAndFloat() {
        let configs: [(Double, Double, Double, Bool)] = [
            (0, 0, 0, false), (0.9, 0, 0, false), (0.9, 0.3, 1e-2, false), (0.8, 0, 5e-2, true),
        ]
        for (mu, tau, wd, nesterov) in configs {
            let ref = reference(lr: 0.05, mu: mu, tau: tau, wd: wd, nesterov: nesterov, steps: 4)
            let d = runOptimizer(SGD<Double>(parameterSizes: optimTestSizes, learningRate: 0.05, momentum: mu,
                                             dampening: tau, weightDecay: wd, nesterov: nesterov),
                                 sizes: optimTestSizes, initial: optimTestStart, steps: 4, gradient: optimTestGradient)
            let f = runOptimizer(SGD<Float>(parameterSizes: optimTestSizes, learningRate: 0.05, momentum: mu,
                                            dampening: tau, weightDecay: wd, nesterov: nesterov),
                                 sizes: optimTestSizes, initial: optimTestStart, steps: 4, gradient: optimTestGradient)
            for t in 0..<4 {
                assertClose(d[t], ref[t], tolerance: 1e-13, "double μ=\(mu) τ=\(tau) λ=\(wd) nesterov=\(nesterov)")
                assertClose(f[t], ref[t], tolerance: 1e-5, "float μ=\(mu) τ=\(tau) λ=\(wd) nesterov=\(nesterov)")
            }
        }
    }

    func testWeightDecayShrinksWithZeroGradient() {
        let traj = runOptimizer(SGD<Double>(parameterSizes: [2], learningRate: 0.1, momentum: 0.9, weightDecay: 0.5),
                                sizes: [2], initial: p0, steps: 3) { _, p in [0, 0] }
        assertClose(traj[0], [0.95, -1.9], tolerance: 1e-14)   // p·(1 − 0.1·0.5)
        XCTAssertLessThan(abs(traj[2][0]), abs(traj[1][0]))
        XCTAssertLessThan(abs(traj[2][1]), abs(traj[1][1]))
    }
}
