import XCTest
@testable import NetRuntime

final class ReductionGradientTests: XCTestCase {
    func testSumMeanMax() {
        GradientCheck(shapes: [[3, 4, 2]]).run { _, x in x[0].sum(axes: [1]) }
        GradientCheck(shapes: [[3, 4, 2]]).run { _, x in x[0].mean(axes: [0, 2], keepDims: true) }
        GradientCheck(shapes: [[3, 4]]).run { _, x in x[0].sum() }
        GradientCheck(shapes: [[3, 5]]).run { _, x in x[0].max(axes: [1]) }
        GradientCheck(shapes: [[3, 5]]).run { _, x in x[0].square().max() }
    }

    func testSoftmaxFamily() {
        GradientCheck(shapes: [[3, 5]]).run { _, x in x[0].logSumExp(axes: [1]) }
        GradientCheck(shapes: [[3, 5]]).run { _, x in x[0].softmax() }
        GradientCheck(shapes: [[3, 5]]).run { _, x in x[0].logSoftmax(axis: 0) }
    }

    func testCrossEntropy() {
        GradientCheck(shapes: [[4, 3], [4]], constantInputs: [1: Tensor(shape: [4], scalars: [0, 2, 1, 2])])
            .run { _, x in x[0].crossEntropy(labels: x[1]) }
    }

    func testForwardValues() {
        let g = Graph()
        let x = g.constant(Tensor(shape: [2, 3], scalars: [1, 2, 3, 4, 5, 9]))
        let labels = g.constant(Tensor(shape: [2], scalars: [2, 0]))
        let out = g.evaluate([x.sum(axes: [0]), x.max(axes: [1]), x.mean(), x.logSumExp(axes: [1]),
                              x.softmax().sum(axes: [1]), x.crossEntropy(labels: labels)], as: Double.self)
        XCTAssertEqual(out[0].scalars, [5, 7, 12])
        XCTAssertEqual(out[1].scalars, [3, 9])
        XCTAssertEqual(out[2].scalars, [4])
        XCTAssertEqual(out[3].scalars[0], Foundation.log(Foundation.exp(1) + Foundation.exp(2) + Foundation.exp(3)), accuracy: 1e-12)
        XCTAssertEqual(out[4].scalars[0], 1, accuracy: 1e-12)
        let ce0 = -(3 - out[3].scalars[0]), ce1 = -(4 - out[3].scalars[1])
        XCTAssertEqual(out[5].scalars[0], (ce0 + ce1) / 2, accuracy: 1e-12)
    }
}
import Foundation
