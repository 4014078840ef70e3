import XCTest
import NetRuntime
@testable import NetLibrary

final class MetricsTests: XCTestCase {
    func testPredictedClassesAndAccuracy() {
        let scores = Tensor<Double>(shape: [3, 3], scalars: [0.1, 0.7, 0.2, 2, -1, 2, -5, -4, -3])
        // Ties go to the first index.
        XCTAssertEqual(Metrics.predictedClasses(scores), [1, 0, 2])
        XCTAssertEqual(Metrics.accuracy(scores, Tensor(shape: [3], scalars: [1, 2, 2])), 2.0 / 3, accuracy: 1e-12)
    }

    /// A NaN score is the arg-max (NumPy, PyTorch), and any NaN makes the accuracy NaN: a
    /// model computing NaNs used to get an accuracy from its remaining scores.
    func testNaNScoresAreNotHidden() {
        let scores = Tensor<Double>(shape: [3, 3], scalars: [0, .nan, 1.1, .nan, 5, .nan, 3, 2, 1])
        XCTAssertEqual(Metrics.predictedClasses(scores), [1, 0, 0])
        XCTAssertTrue(Metrics.accuracy(scores, Tensor(shape: [3], scalars: [2, 1, 0])).isNaN)
    }
}
