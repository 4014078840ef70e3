import Foundation
import XCTest
@testable import NetRuntime

final class AdamaxTests: XCTestCase {
    func testByHand() {
        // Step 1: m = 0.1g, u = |g| + ε, lr/(1 − 0.9)·m/u = lr·g/(|g| + ε).
        // Step 2, same g: m = 0.19g, u = max(0.999(|g|+ε), |g|+ε) = |g|+ε, 1 − 0.9² = 0.19.
        // Step 3, g = 0: m = 0.171g, u = 0.999(|g|+ε), 1 − 0.9³ = 0.271.
        let g: [Double] = [0.5, -2.0], lr = 0.002, eps = 1e-8
        let traj = runOptimizer(Adamax<Double>(parameterSizes: [2]), sizes: [2], initial: [1, 1], steps: 3) { t, _ in
            t < 3 ? g : [0, 0]
        }
        let s1 = g.map { lr * $0 / (abs($0) + eps) }
        assertClose(traj[0], [1 - s1[0], 1 - s1[1]], tolerance: 1e-15)
        assertClose(traj[1], [1 - 2 * s1[0], 1 - 2 * s1[1]], tolerance: 1e-15)
        let s3 = g.map { lr / 0.271 * (0.171 * $0) / (0.999 * (abs($0) + eps)) }
        assertClose(traj[2], [1 - 2 * s1[0] - s3[0], 1 - 2 * s1[1] - s3[1]], tolerance: 1e-14)
    }

    /// Independent loop: Kingma & Ba Alg. 2, with PyTorch's ε inside the max and L2 decay.
    func reference(lr: Double, b1: Double, b2: Double, eps: Double, wd: Double, steps: Int) -> [[Double]] {
        var p = optimTestStart, out = [[Double]]()
        var m = [Double](repeating: 0, count: p.count), u = m
        for t in 1...steps {
            let g = optimTestGradient(t, p)
            for j in p.indices {
                let gj = g[j] + wd * p[j]
                m[j] = b1 * m[j] + (1 - b1) * gj
                u[j] = max(b2 * u[j], abs(gj) + eps)
                p[j] -= (lr / (1 - pow(b1, Double(t)))) * m[j] / u[j]
            }
            out.append(p)
        }
        return out
    }

    func testAgainstReferenceDoubleAndFloat() {
        for wd in [0.0, 0.05] {
            let ref = reference(lr: 0.02, b1: 0.8, b2: 0.7, eps: 1e-3, wd: wd, steps: 5)
            let d = runOptimizer(Adamax<Double>(parameterSizes: optimTestSizes, learningRate: 0.02, beta1: 0.8,
                                                beta2: 0.7, epsilon: 1e-3, weightDecay: wd),
                                 sizes: optimTestSizes, initial: optimTestStart, steps: 5, gradient: optimTestGradient)
            let f = runOptimizer(Adamax<Float>(parameterSizes: optimTestSizes, learningRate: 0.02, beta1: 0.8,
                                               beta2: 0.7, epsilon: 1e-3, weightDecay: wd),
                                 sizes: optimTestSizes, initial: optimTestStart, steps: 5, gradient: optimTestGradient)
            for t in 0..<5 {
                assertClose(d[t], ref[t], tolerance: 1e-13, "double λ=\(wd) step \(t + 1)")
                assertClose(f[t], ref[t], tolerance: 1e-5, "float λ=\(wd) step \(t + 1)")
            }
        }
    }

    func testWeightDecayShrinksWithZeroGradient() {
        let traj = runOptimizer(Adamax<Double>(parameterSizes: [2], weightDecay: 0.1),
                                sizes: [2], initial: [1, -2], steps: 3) { _, _ in [0, 0] }
        XCTAssertLessThan(abs(traj[0][0]), 1)
        XCTAssertLessThan(abs(traj[0][1]), 2)
        XCTAssertLessThan(abs(traj[2][0]), abs(traj[1][0]))
        XCTAssertLessThan(abs(traj[2][1]), abs(traj[1][1]))
    }
}
