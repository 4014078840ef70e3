import XCTest
import NetRuntime
@testable import NetLibrary

final class RankStatisticsTests: XCTestCase {
    func testRanksAverageTies() {
        XCTAssertEqual(RankStatistics.ranks([1, 2, 3, 2, 4]), [1, 2.5, 4, 2.5, 5])
    }

    /// By hand: negatives {1, 2, 3}, positives {2, 4}. Pairs where the positive is larger:
    /// 4 beats 1, 2, 3 (3 pairs); 2 beats 1 (1), ties 2 (½), loses to 3 → U₁ = 4.5 of
    /// n₀·n₁ = 6 pairs, AUC = 0.75. With ranks: R₁ = 2.5 + 5 = 7.5, U₁ = 7.5 − 2·3/2 = 4.5.
    func testMannWhitneyByHand() {
        let values: [Double] = [1, 2, 3, 2, 4]
        let positive = [false, false, false, true, true]
        XCTAssertEqual(RankStatistics.mannWhitneyU(values, positive: positive), 4.5)
        // Per column of x [5, 2]: column 0 the case above, column 1 perfectly separating
        // downwards (AUC 0).
        let x: [Double] = [1, 9, 2, 8, 3, 7, 2, 1, 4, 0]
        let auc = RankStatistics.areaUnderCurve(x: x, rows: 5, columns: 2, labels: [0, 0, 0, 1, 1])
        XCTAssertEqual(auc[0], 0.75, accuracy: 1e-12)
        XCTAssertEqual(auc[1], 0, accuracy: 1e-12)
        XCTAssertTrue(RankStatistics.areaUnderCurve(x: x, rows: 5, columns: 2, labels: [0, 0, 0, 0, 0])[0].isNaN)
    }

    func testTopK() {
        XCTAssertEqual(RankStatistics.topK([0.1, 0.5, .nan, 0.5, 0.3], 3), [1, 3, 4])
    }

    func testQuantilesAndMajorities() {
        XCTAssertEqual(SampleStatistics.median([1, 2, 3, 10]), 2.5)
        XCTAssertEqual(SampleStatistics.quantile([1, 2, 3, 4], 0.25), 1.75)
        XCTAssertEqual(SampleStatistics.interquartileRange([1, 2, 3, 4]), 1.5)
        XCTAssertTrue(SampleStatistics.median([]).isNaN)
        // Per-core majority vote: core 5 votes 1, 1, 0 → 1; core 7 votes 0, 0, 1 → 0;
        // core 9 ties 0/1 → the smaller class, 0.
        let r = SampleStatistics.groupMajority([1, 1, 0, 0, 0, 1, 1, 0], groups: [5, 5, 5, 7, 7, 7, 9, 9])
        XCTAssertEqual(r.groups, [5, 7, 9])
        XCTAssertEqual(r.majority, [1, 0, 0])
    }

    /// Balanced accuracy: recall of class 0 is 2/2, of class 1 is 1/2 → 0.75 (accuracy
    /// would be 0.75 too); with 3 negatives and 1 positive all predicted 0: (1 + 0)/2 = 0.5
    /// although the accuracy is 0.75.
    func testBalancedAccuracy() {
        XCTAssertEqual(Metrics.balancedAccuracy(predicted: [0, 0, 0, 1], labels: [0, 0, 1, 1]), 0.75)
        XCTAssertEqual(Metrics.balancedAccuracy(predicted: [0, 0, 0, 0], labels: [0, 0, 0, 1]), 0.5)
    }
}
