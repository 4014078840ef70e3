import XCTest
import NetRuntime
@testable import NetLibrary

final class SpectralNormTests: XCTestCase {
    /// Power iteration run long enough converges to the exact ‖W‖₂ (LAPACK SVD), and the
    /// normalised weight's exact norm is c (eq. 4.9: W̃ = W / max(1, σ̂/c)).
    func testConvergesToExactNormAndRescales() throws {
        var rng = RandomGenerator(seed: 4)
        let w0 = Tensor<Double>.randomNormal([7, 5], rng: &rng)
        let exact = try spectralNorm(w0)
        let g = Graph()
        let w = g.variable("w", w0)
        let u = SpectralNorm.makeVector(g, name: "u", size: 7, rng: &rng)
        let sn = SpectralNorm(weight: w, u: u, coefficient: 0.9)
        let exec = Executor<Double>(graph: g, outputs: [sn.sigma, sn.weight], updates: [sn.update])
        for _ in 0..<200 { exec.run() }
        XCTAssertEqual(exec.scalar(sn.sigma), exact, accuracy: 1e-9 * exact)
        XCTAssertEqual(try spectralNorm(exec.value(sn.weight)), 0.9, accuracy: 1e-9)
    }

    /// A weight whose norm is already below c is left unchanged (the soft rescale).
    func testLeavesSmallWeightsAlone() throws {
        let g = Graph()
        let w = g.variable("w", Tensor(shape: [2, 2], scalars: [0.3, 0, 0, 0.1]))
        var rng = RandomGenerator(seed: 1)
        let u = SpectralNorm.makeVector(g, name: "u", size: 2, rng: &rng)
        let sn = SpectralNorm(weight: w, u: u, coefficient: 0.9, iterations: 5)
        let out = g.evaluate([sn.weight], as: Double.self)[0]
        XCTAssertEqual(out.scalars, [0.3, 0, 0, 0.1])
    }

    /// The gradient reaches W through W and through σ̂ (u, v held constant). With the
    /// power iteration converged, σ̂ = σ_max(W) and ∂σ_max/∂W = u·vᵀ, so holding u and v
    /// constant gives the true derivative, which finite differences measure.
    func testGradientsThroughTheNormalisation() {
        var rng = RandomGenerator(seed: 9)
        let g = Graph()
        let w = g.input("w", shape: [3, 4])
        let u = SpectralNorm.makeVector(g, name: "u", size: 3, rng: &rng)
        let sn = SpectralNorm(weight: w, u: u, coefficient: 0.5, iterations: 300)
        let probe = g.constant(.randomNormal([3, 4], rng: &rng))
        let loss = (sn.weight * probe).sum().square()
        let grad = g.gradient(of: loss, wrt: w)
        let exec = Executor<Double>(graph: g, outputs: [loss, grad])
        let w0 = Tensor<Double>.randomNormal([3, 4], rng: &rng)
        func value(_ t: Tensor<Double>) -> Double { exec.setInput(w, t); exec.run(); return exec.scalar(loss) }
        _ = value(w0)
        let analytic = exec.value(grad)
        for j in 0..<12 {
            var up = w0, down = w0
            up.scalars[j] += 1e-6; down.scalars[j] -= 1e-6
            let numeric = (value(up) - value(down)) / 2e-6
            XCTAssertEqual(analytic.scalars[j], numeric, accuracy: 1e-6 * max(1, abs(numeric)))
        }
    }
}

/// Power iteration to a tolerance when the top two singular values are close (slow,
/// geometric convergence): the refined σ̂ is within the tolerance of the true norm, not
/// merely changing by less than it.
final class PowerIterationRefinerTests: XCTestCase {
    func testRefinedEstimateIsWithinToleranceOfTheNorm() throws {
        let n = 12
        var rng = RandomGenerator(seed: 4)
        // W = Q·diag(1, 0.985, 0.5, …)·Qᵀ with a random orthogonal Q (from an SVD).
        let q = try svd(Tensor<Double>.randomNormal([n, n], rng: &rng)).u
        var w = Tensor<Double>.zeros([n, n])
        let singular = [1.0, 0.985] + Array(repeating: 0.5, count: n - 2)
        for i in 0..<n { for j in 0..<n {
            w[i, j] = (0..<n).map { q[i, $0] * singular[$0] * q[j, $0] }.reduce(0, +)
        } }
        for tolerance in [1e-2, 1e-3] {
            let g = Graph()
            let weight = g.variable("w", w)
            var vectorRng = RandomGenerator(seed: 9)
            let u = SpectralNorm.makeVector(g, name: "u", size: n, rng: &vectorRng)
            let sn = SpectralNorm(weight: weight, u: u, coefficient: 0.5, iterations: 1)
            let store = VariableStore<Float>(g)
            let refiner = try XCTUnwrap(PowerIterationRefiner([.init(vector: u, next: sn.update.value, sigma: sn.sigma,
                                                                     tolerance: tolerance, maxIterations: 2000)], variables: store))
            let iterations = refiner.refine()
            let sigma = Double(g.evaluate([sn.sigma], as: Float.self, variables: store)[0].scalars[0])
            XCTAssertGreaterThan(sigma, 1 - 2 * tolerance, "tolerance \(tolerance) after \(iterations) iterations")
            XCTAssertLessThan(sigma, 1 + 1e-5)
        }
    }
}
