import XCTest
import NetRuntime
@testable import NetLibrary

/// The spheres generator and the max-margin threshold of Ex. 6.6, and the metameric target
/// of Def. 6.8, against direct computations.
final class AdversarialSpheresTests: XCTestCase {
    func testPointsLieOnTheirSpheresWithLabels() {
        let (x, y) = AdversarialSpheres.generate(perSphere: 50, dimension: 7, inner: 1, outer: 1.3, seed: 3)
        XCTAssertEqual(x.shape, [100, 7])
        for i in 0..<100 {
            let norm = (0..<7).map { x.scalars[i * 7 + $0] * x.scalars[i * 7 + $0] }.reduce(0, +).squareRoot()
            XCTAssertEqual(norm, i < 50 ? 1 : 1.3, accuracy: 1e-12)
            XCTAssertEqual(y.scalars[i], i < 50 ? 0 : 1)
        }
        // Uniform on the sphere: every coordinate has mean 0 and E[x_j²] = R²/d.
        let (big, _) = AdversarialSpheres.generate(perSphere: 4000, dimension: 5, inner: 1, outer: 2, seed: 1)
        var mean = 0.0, square = 0.0
        for i in 0..<4000 { mean += big.scalars[i * 5]; square += big.scalars[i * 5] * big.scalars[i * 5] }
        XCTAssertEqual(mean / 4000, 0, accuracy: 0.02)
        XCTAssertEqual(square / 4000, 1.0 / 5, accuracy: 0.01)
    }

    func testMaxMarginThresholdIsTheMidpointOfTheClosestPoints() throws {
        // Used norms (first coordinate only): inner 0.2, 0.6; outer 0.9, 1.5 → l = 0.6, u = 0.9.
        let x = Tensor<Double>(shape: [4, 2], scalars: [0.2, 0.98, -0.6, 0.8, 0.9, 0.1, -1.5, 0.2])
        let y = Tensor<Double>(shape: [4], scalars: [0, 0, 1, 1])
        let m = try XCTUnwrap(AdversarialSpheres.maxMarginThreshold(x: x, labels: y, used: 1))
        XCTAssertEqual(m.l, 0.6, accuracy: 1e-15)
        XCTAssertEqual(m.u, 0.9, accuracy: 1e-15)
        XCTAssertEqual(m.b, 0.75, accuracy: 1e-15)
        // Not separable: an inner point beyond an outer one.
        let y2 = Tensor<Double>(shape: [4], scalars: [1, 0, 0, 1])
        XCTAssertNil(AdversarialSpheres.maxMarginThreshold(x: x, labels: y2, used: 1))
    }

    func testMetamericTargetKeepsLogitsAndMixesNuisances() {
        let z = Tensor<Double>(shape: [2, 4], scalars: [1, 2, 3, 4, 5, 6, 7, 8])
        let r = Tensor<Double>(shape: [2, 4], scalars: [-1, -2, -3, -4, -5, -6, -7, -8])
        XCTAssertEqual(BijectiveClassifier.metamericTarget(z: z, reference: r, classes: 2, mix: 1).scalars, [1, 2, -3, -4, 5, 6, -7, -8])
        XCTAssertEqual(BijectiveClassifier.metamericTarget(z: z, reference: r, classes: 1, mix: 0.5).scalars, [1, 0, 0, 0, 5, 0, 0, 0])
        XCTAssertNotNil(BijectiveClassifier.readoutProblem(classes: 4, dimension: 4))
        XCTAssertNil(BijectiveClassifier.readoutProblem(classes: 3, dimension: 4))
    }

    func testPanelsSitSideBySide() {
        var a = Chart(title: "a", xLabel: "x", yLabel: "y")
        a.series = [.init(label: "s", x: [0, 1], y: [0, 1])]
        let one = a.image()
        let both = ChartPanels.image([a, a])
        XCTAssertEqual(both.width, 2 * one.width)
        XCTAssertEqual(both.height, one.height)
        XCTAssertTrue(both[one.width + 100, 200] == one[100, 200])
    }
}
