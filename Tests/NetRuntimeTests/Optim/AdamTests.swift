import Foundation
import XCTest
@testable import NetRuntime

final class AdamTests: XCTestCase {
    func testConstantGradientMovesByLearningRateTimesSign() {
        // Bias correction makes m̂ = g and v̂ = g² for a constant gradient, so every step
        // moves each parameter by lr·g/(|g| + ε) ≈ lr·sign(g).
        let g: [Double] = [0.5, -2.0], lr = 0.01, eps = 1e-8
        let traj = runOptimizer(Adam<Double>(parameterSizes: [2], learningRate: lr),
                                sizes: [2], initial: [1, 1], steps: 3) { _, _ in g }
        for t in 1...3 {
            let expected = (0..<2).map { 1 - Double(t) * lr * g[$0] / (abs(g[$0]) + eps) }
            assertClose(traj[t - 1], expected, tolerance: 1e-14, "step \(t)")
        }
        assertClose(traj[0], [0.99, 1.01], tolerance: 1e-9)
    }

    /// Independent textbook loop (Kingma & Ba, Alg. 1 with bias-corrected m̂, v̂), plus
    /// PyTorch's L2 (`Adam`) or decoupled (`AdamW`) weight decay.
    func reference(lr: Double, b1: Double, b2: Double, eps: Double, wd: Double, decoupled: Bool,
                   steps: Int) -> [[Double]] {
        var p = optimTestStart, out = [[Double]]()
        var m = [Double](repeating: 0, count: p.count), v = m
        for t in 1...steps {
            var g = optimTestGradient(t, p)
            for j in p.indices {
                if decoupled { p[j] -= lr * wd * p[j] } else { g[j] += wd * p[j] }
                m[j] = b1 * m[j] + (1 - b1) * g[j]
                v[j] = b2 * v[j] + (1 - b2) * g[j] * g[j]
                let mHat = m[j] / (1 - pow(b1, Double(t)))
                let vHat = v[j] / (1 - pow(b2, Double(t)))
                p[j] -= lr * mHat / (sqrt(vHat) + eps)
            }
            out.append(p)
        }
        return out
    }

    func testAgainstReferenceDoubleAndFloat() {
        // A large ε (1e-3) so that putting it inside the root or before the bias
        // correction of v would be detected.
        for (wd, decoupled) in [(0.0, false), (0.05, false), (0.05, true)] {
            let ref = reference(lr: 0.02, b1: 0.8, b2: 0.95, eps: 1e-3, wd: wd, decoupled: decoupled, steps: 4)
            func make<T: NetScalar>(_: T.Type) -> Adam<T> {
                Adam<T>(parameterSizes: optimTestSizes, learningRate: 0.02, beta1: 0.8, beta2: 0.95,
                        epsilon: 1e-3, weightDecay: wd, decoupledWeightDecay: decoupled)
            }
            let d = runOptimizer(make(Double.self), sizes: optimTestSizes, initial: optimTestStart, steps: 4,
                                 gradient: optimTestGradient)
            let f = runOptimizer(make(Float.self), sizes: optimTestSizes, initial: optimTestStart, steps: 4,
                                 gradient: optimTestGradient)
            for t in 0..<4 {
                assertClose(d[t], ref[t], tolerance: 1e-13, "double λ=\(wd) decoupled=\(decoupled) step \(t + 1)")
                assertClose(f[t], ref[t], tolerance: 1e-5, "float λ=\(wd) decoupled=\(decoupled) step \(t + 1)")
            }
        }
    }

    func testWeightDecayShrinksWithZeroGradientAndAdamWDiffersFromL2() {
        let p0: [Double] = [1, -2], lr = 0.01, wd = 0.1
        let zero: (Int, [Double]) -> [Double] = { _, _ in [0, 0] }
        let adamW = runOptimizer(AdamW<Double>(parameterSizes: [2], learningRate: lr, weightDecay: wd),
                                 sizes: [2], initial: p0, steps: 2, gradient: zero)
        let adamL2 = runOptimizer(Adam<Double>(parameterSizes: [2], learningRate: lr, weightDecay: wd),
                                  sizes: [2], initial: p0, steps: 2, gradient: zero)
        // AdamW: moments stay 0, only the decoupled decay acts: p·(1 − lr·λ) per step.
        assertClose(adamW[0], [0.999, -1.998], tolerance: 1e-14)
        assertClose(adamW[1], [0.999 * 0.999, -1.998 * 0.999], tolerance: 1e-14)
        // Adam-L2: the gradient λp passes through Adam's normalisation: ≈ lr·sign(p) per step.
        let expectedL2 = p0.map { $0 - lr * (wd * $0) / (abs(wd * $0) + 1e-8) }
        assertClose(adamL2[0], expectedL2, tolerance: 1e-14)
        for t in 0..<2 {
            for j in 0..<2 {
                XCTAssertLessThan(abs(adamW[t][j]), abs(t == 0 ? p0[j] : adamW[t - 1][j]))
                XCTAssertLessThan(abs(adamL2[t][j]), abs(t == 0 ? p0[j] : adamL2[t - 1][j]))
            }
        }
        XCTAssertGreaterThan(abs(adamW[1][0] - adamL2[1][0]), 1e-3)
        XCTAssertEqual(AdamW<Float>(parameterSizes: [1]).weightDecay, 0.01)
        XCTAssertTrue(AdamW<Float>(parameterSizes: [1]).decoupledWeightDecay)
    }

    func testStateSaveAndRestoreContinuesIdentically() throws {
        let sizes = optimTestSizes
        let a = Adam<Float>(parameterSizes: sizes, learningRate: 0.05, weightDecay: 0.01)
        let twoSteps = runOptimizer(a, sizes: sizes, initial: optimTestStart, steps: 2, gradient: optimTestGradient)
        let saved = a.stateTensors()
        XCTAssertEqual(saved["step"]?.scalars, [2])
        XCTAssertEqual(saved["exp_avg.0"]?.shape, [2])
        XCTAssertEqual(saved["exp_avg_sq.2"]?.shape, [3])
        XCTAssertEqual(saved["exp_avg.1"]?.shape, [0])

        let shifted: (Int, [Double]) -> [Double] = { t, p in optimTestGradient(t + 2, p) }
        let continued = runOptimizer(a, sizes: sizes, initial: twoSteps[1], steps: 2, gradient: shifted)
        let b = Adam<Float>(parameterSizes: sizes, learningRate: 0.05, weightDecay: 0.01)
        try b.restoreState(saved)
        XCTAssertEqual(b.stepCount, 2)
        let resumed = runOptimizer(b, sizes: sizes, initial: twoSteps[1], steps: 2, gradient: shifted)
        XCTAssertEqual(continued, resumed)

        var broken = saved
        broken["exp_avg_sq.2"] = Tensor(shape: [2], scalars: [0, 0])
        XCTAssertThrowsError(try b.restoreState(broken))
        broken.removeValue(forKey: "exp_avg.0")
        XCTAssertThrowsError(try b.restoreState(broken))
        XCTAssertEqual(b.stepCount, 4)
        b.resetState()
        XCTAssertEqual(b.stepCount, 0)
        XCTAssertEqual(b.stateTensors()["exp_avg.2"]?.scalars, [0, 0, 0])
    }
}
