import Foundation
import XCTest
@testable import NetRuntime

final class SplitsTests: XCTestCase {
    func testTrainTestSplitIsADisjointCoverAndReproducible() throws {
        let s = try trainTestSplit(count: 103, testFraction: 0.2, seed: 1)
        XCTAssertEqual(s.test.count, 21)
        XCTAssertEqual(s.train.count, 82)
        XCTAssertTrue(Set(s.train).isDisjoint(with: s.test))
        XCTAssertEqual((s.train + s.test).sorted(), Array(0..<103))
        XCTAssertEqual(try trainTestSplit(count: 103, testFraction: 0.2, seed: 1), s)
        XCTAssertNotEqual(try trainTestSplit(count: 103, testFraction: 0.2, seed: 2), s)
        XCTAssertEqual(try trainTestSplit(count: 10, testFraction: 0, seed: 1).test, [])
        XCTAssertEqual(try trainTestSplit(count: 10, testFraction: 1, seed: 1).train, [])
        XCTAssertThrowsError(try trainTestSplit(count: 10, testFraction: 1.5, seed: 1))
        XCTAssertThrowsError(try trainTestSplit(count: 10, testFraction: .nan, seed: 1))
        XCTAssertThrowsError(try trainTestSplit(count: -1, testFraction: 0.5, seed: 1))
    }

    func testKFoldTestPartsPartitionTheIndices() throws {
        let n = 23, k = 5
        let folds = try kFold(count: n, k: k, seed: 9)
        XCTAssertEqual(folds.count, k)
        var seen: [Int] = []
        for f in folds {
            XCTAssertTrue(Set(f.train).isDisjoint(with: f.test))
            XCTAssertEqual((f.train + f.test).sorted(), Array(0..<n))
            XCTAssertTrue([4, 5].contains(f.test.count))
            seen += f.test
        }
        XCTAssertEqual(seen.sorted(), Array(0..<n), "every index is tested exactly once")
        XCTAssertEqual(try kFold(count: n, k: k, seed: 9), folds)
        XCTAssertNotEqual(try kFold(count: n, k: k, seed: 10), folds)
        XCTAssertThrowsError(try kFold(count: 3, k: 4, seed: 0))
        XCTAssertThrowsError(try kFold(count: 10, k: 1, seed: 0))
    }

    func testGroupedKFoldKeepsGroupsTogether() throws {
        var rng = RandomGenerator(seed: 4)
        let groups = (0..<200).map { _ in rng.integer(below: 17) * 3 - 10 }   // arbitrary ids, negative too
        let k = 4
        let folds = try groupedKFold(groups: groups, k: k)
        XCTAssertEqual(folds.count, k)
        var testedGroups: [Set<Int>] = []
        var seen: [Int] = []
        for f in folds {
            let trainGroups = Set(f.train.map { groups[$0] }), testGroups = Set(f.test.map { groups[$0] })
            XCTAssertTrue(trainGroups.isDisjoint(with: testGroups), "a group is on both sides")
            XCTAssertEqual((f.train + f.test).sorted(), Array(0..<groups.count))
            XCTAssertFalse(f.test.isEmpty)
            testedGroups.append(testGroups)
            seen += f.test
        }
        XCTAssertEqual(seen.sorted(), Array(0..<groups.count))
        for i in 0..<k { for j in (i + 1)..<k { XCTAssertTrue(testedGroups[i].isDisjoint(with: testedGroups[j])) } }
        // Balanced: no fold is more than twice another (200 rows, 17 groups of ~12).
        let sizes = folds.map { $0.test.count }
        XCTAssertLessThan(sizes.max()!, 2 * sizes.min()!)
        XCTAssertEqual(try groupedKFold(groups: groups, k: k), folds, "deterministic")
        XCTAssertThrowsError(try groupedKFold(groups: [1, 1, 2, 2], k: 3))
        XCTAssertThrowsError(try groupedKFold(groups: [1, 2, 3], k: 1))
    }
}
