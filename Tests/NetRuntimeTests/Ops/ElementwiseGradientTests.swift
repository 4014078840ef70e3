import XCTest
@testable import NetRuntime

/// First- and second-order gradient checks for every elementwise operation.
final class ElementwiseGradientTests: XCTestCase {
    func check(_ f: UnaryFunction, low: Double = -1.5, high: Double = 1.5, second: Bool = true,
               file: StaticString = #filePath, line: UInt = #line) {
        GradientCheck(shapes: [[3, 4]], low: low, high: high)
            .run(secondOrder: second, file: file, line: line) { _, x in x[0].apply(f) }
    }

    func testSmoothFunctions() {
        check(.negate); check(.exp); check(.tanh); check(.sigmoid); check(.softplus)
        check(.square); check(.elu(1)); check(.elu(0.7)); check(.scale(-2.5)); check(.shift(3))
        check(.log, low: 0.2, high: 3); check(.sqrt, low: 0.2, high: 3)
        check(.reciprocal, low: 0.3, high: 2); check(.power(2.7), low: 0.2, high: 2)
        check(.eluDerivative(1)); check(.eluSecondDerivative(1))
    }

    func testPiecewiseLinearFunctions() {
        // Second derivatives are zero almost everywhere; both orders are still checked.
        check(.relu); check(.abs); check(.leakyRelu(0.1))
    }

    func testLipSwish() {
        GradientCheck(shapes: [[2, 5], []]).run { _, x in x[0].lipSwish(x[1]) }
    }

    func testBinaryOpsWithBroadcasting() {
        GradientCheck(shapes: [[3, 4], [3, 4]]).run { _, x in x[0] + x[1] }
        GradientCheck(shapes: [[3, 4], [4]]).run { _, x in x[0] - x[1] }
        GradientCheck(shapes: [[2, 3, 4], [3, 1]]).run { _, x in x[0] * x[1] }
        GradientCheck(shapes: [[3, 4], [1, 4]], low: 0.5, high: 2).run { _, x in x[0] / x[1] }
        GradientCheck(shapes: [[], [2, 3]]).run { _, x in x[0] * x[1] }
    }

    func testForwardValues() {
        let g = Graph()
        let x = g.constant(Tensor(shape: [4], scalars: [-2, -0.5, 0.5, 3]))
        let out = g.evaluate([x.relu(), x.elu(), x.leakyRelu(0.1), x.softplus(), x.abs()], as: Double.self)
        XCTAssertEqual(out[0].scalars, [0, 0, 0.5, 3])
        XCTAssertEqual(out[1].scalars[0], Foundation.exp(-2) - 1, accuracy: 1e-15)
        XCTAssertEqual(out[2].scalars, [-0.2, -0.05, 0.5, 3])
        XCTAssertEqual(out[3].scalars[3], Foundation.log(1 + Foundation.exp(3)), accuracy: 1e-14)
        XCTAssertEqual(out[4].scalars, [2, 0.5, 0.5, 3])
    }
}
import Foundation

final class ScaleByFunctionTests: XCTestCase {
    /// The fused g ⊙ f(x) of activation backward passes, to third order through the
    /// second-order check of a function that already contains it.
    func testGradients() {
        for f: UnaryFunction in [.step, .leakyStep(0.2), .eluDerivative(1), .eluSecondDerivative(0.5), .sigmoid, .exp] {
            GradientCheck(shapes: [[3, 4], [3, 4]]).run { _, x in x[1].scaled(by: f, of: x[0]) }
        }
        // Third order of elu: second-order check of the first derivative.
        GradientCheck(shapes: [[2, 3]]).run { g, x in g.gradient(of: x[0].elu().sum(), wrt: x[0]) }
    }
}
