import XCTest
import NetRuntime
@testable import NetLibrary

/// Each initialisation scheme's distribution on large layers: bounds, mean and variance
/// against the formulas (dense: fan_in = in, fan_out = out; convolution: × k²).
final class WeightInitializationTests: XCTestCase {
    private struct Moments { var mean: Double, variance: Double, maxAbs: Double }

    private func moments(_ t: Tensor<Double>) -> Moments {
        let n = Double(t.count)
        let mean = t.scalars.reduce(0, +) / n
        let variance = t.scalars.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / n
        return Moments(mean: mean, variance: variance, maxAbs: t.scalars.map(abs).max() ?? 0)
    }

    /// (weight, bias) initial values of one layer built with `scheme`.
    private func initialValues(_ layer: Layer, input: [Int], scheme: WeightInitialization) throws -> (Tensor<Double>, Tensor<Double>) {
        let g = Graph()
        let model = try Model(name: "m", inputShape: input, layers: [layer], graph: g, seed: 3, initialization: scheme)
        let values = model.parameters.map { g.initialValue(of: $0)! }
        return (values[0], values[1])
    }

    /// Expected weight variance and, for uniform schemes, the bound.
    private func expected(_ scheme: WeightInitialization, fanIn: Double, fanOut: Double) -> (variance: Double, bound: Double?) {
        switch scheme {
        case .torch: let b = 1 / fanIn.squareRoot(); return (b * b / 3, b)
        case .xavierUniform: let b = (6 / (fanIn + fanOut)).squareRoot(); return (b * b / 3, b)
        case .xavierNormal: return (2 / (fanIn + fanOut), nil)
        case .heUniform: let b = (6 / fanIn).squareRoot(); return (b * b / 3, b)
        case .heNormal: return (2 / fanIn, nil)
        }
    }

    private func checkScheme(_ scheme: WeightInitialization, weight: Tensor<Double>, bias: Tensor<Double>,
                             fanIn: Double, fanOut: Double) {
        let m = moments(weight), (variance, bound) = expected(scheme, fanIn: fanIn, fanOut: fanOut)
        // 10⁵ draws: the sample variance is within 2 % (its relative sd is ≈ 0.5 %).
        XCTAssertEqual(m.variance / variance, 1, accuracy: 0.02, "\(scheme) variance")
        XCTAssertEqual(m.mean, 0, accuracy: 4 * (variance / Double(weight.count)).squareRoot(), "\(scheme) mean")
        if let bound {
            XCTAssertLessThanOrEqual(m.maxAbs, bound, "\(scheme) bound")
            XCTAssertGreaterThan(m.maxAbs, 0.999 * bound, "\(scheme) fills its interval")
        } else {
            // A normal distribution reaches beyond 4 sd among 10⁵ draws (a uniform one never does).
            XCTAssertGreaterThan(m.maxAbs, 4 * variance.squareRoot(), "\(scheme) has normal tails")
        }
        let b = moments(bias)
        if scheme == .torch {
            let bb = 1 / fanIn.squareRoot()
            XCTAssertLessThanOrEqual(b.maxAbs, bb)
            XCTAssertGreaterThan(b.maxAbs, 0.9 * bb)
        } else {
            XCTAssertEqual(b.maxAbs, 0, "\(scheme) biases start at zero")
        }
    }

    func testDenseSchemes() throws {
        for scheme in WeightInitialization.allCases {
            let (w, b) = try initialValues(Dense(units: 250), input: [400], scheme: scheme)
            XCTAssertEqual(w.shape, [250, 400])
            checkScheme(scheme, weight: w, bias: b, fanIn: 400, fanOut: 250)
        }
    }

    func testConvolutionSchemesCountTheKernelInBothFans() throws {
        for scheme in WeightInitialization.allCases {
            let conv = try Convolution(dimensions: 2, channels: 64, kernel: 3)
            let (w, b) = try initialValues(conv, input: [200, 8, 8], scheme: scheme)
            XCTAssertEqual(w.shape, [64, 200, 3, 3])
            checkScheme(scheme, weight: w, bias: b, fanIn: 200 * 9, fanOut: 64 * 9)
        }
    }

    /// A layer's own scheme overrides the model's.
    func testLayerSchemeOverridesTheModels() throws {
        let dense = Dense(units: 250)
        dense.initialization = .heNormal
        let (w, b) = try initialValues(dense, input: [400], scheme: .xavierUniform)
        checkScheme(.heNormal, weight: w, bias: b, fanIn: 400, fanOut: 250)
    }

    /// The torch scheme is the draw NetLang always made: models built before schemes
    /// existed keep their initial values.
    func testTorchIsTheDefaultDraw() throws {
        let g = Graph()
        let model = try Model(name: "m", inputShape: [5], layers: [Dense(units: 7)], graph: g, seed: 11)
        var rng = RandomGenerator(seed: 11)
        let bound = 1 / 5.0.squareRoot()
        let w = Tensor<Double>.randomUniform([7, 5], low: -bound, high: bound, rng: &rng)
        XCTAssertEqual(g.initialValue(of: model.parameters[0])!.scalars, w.scalars)
    }

    func testSchemeNamesAndAliases() {
        XCTAssertEqual(WeightInitialization(named: "glorot_normal"), .xavierNormal)
        XCTAssertEqual(WeightInitialization(named: "kaiming_uniform"), .heUniform)
        XCTAssertEqual(WeightInitialization(named: "torch"), .torch)
        XCTAssertNil(WeightInitialization(named: "lecun"))
    }

    /// start: .exact makes u the top singular vector of the initial weight; .random a
    /// random unit vector (far from it in 64 dimensions).
    func testPowerIterationStart() throws {
        for start in PowerIterationStart.allCases {
            let g = Graph()
            let dense = Dense(units: 64, constraint: LipschitzConstraint(coefficient: 0.9, start: start))
            let model = try Model(name: "m", inputShape: [64], layers: [dense], graph: g, seed: 5)
            let w = g.initialValue(of: model.parameters[0])!
            let u = g.initialValue(of: dense.vectorVariable!)!
            let top = try svd(w).u
            let overlap = abs((0..<64).reduce(0.0) { $0 + u.scalars[$1] * top[$1, 0] })
            XCTAssertEqual(u.scalars.reduce(0) { $0 + $1 * $1 }, 1, accuracy: 1e-12)
            if start == .exact { XCTAssertEqual(overlap, 1, accuracy: 1e-9) } else { XCTAssertLessThan(overlap, 0.9) }
        }
    }
}
