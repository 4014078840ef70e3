import Foundation
import XCTest
@testable import NetRuntime

final class DigitsTests: XCTestCase {
    func testLoadsShippedDigitsFile() throws {
        let path = repositoryRoot + "/examples/data/digits.csv.gz"
        let (images, labels) = try loadDigits(path: path)
        XCTAssertEqual(images.shape, [1797, 64])
        XCTAssertEqual(labels.count, 1797)
        XCTAssertEqual(Set(labels), Set(0...9))
        XCTAssertEqual(images.scalars.min(), 0)
        XCTAssertEqual(images.scalars.max(), 16)
        XCTAssertTrue(images.scalars.allSatisfy { $0 == $0.rounded() })
        // First row, as in the file: 0,0,5,13,9,1,0,0,… label 0.
        XCTAssertEqual(Array(images.scalars[0..<6]), [0, 0, 5, 13, 9, 1])
        XCTAssertEqual(labels[0], 0)
        XCTAssertEqual(labels[1], 1)
        // Every class is reasonably represented (the UCI test set has 174–183 per class).
        for c in 0...9 { XCTAssertGreaterThan(labels.filter { $0 == c }.count, 170) }
    }

    func testRejectsOutOfRangeValuesWithLocation() throws {
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let good = Array(repeating: "0", count: 64).joined(separator: ",") + ",3\n"
        var bad = Array(repeating: "0", count: 64)
        bad[9] = "17"
        let path = dir + "/digits.csv.gz"
        try writeAtomically(try gzip(Array((good + bad.joined(separator: ",") + ",3\n").utf8)), to: path)
        XCTAssertThrowsError(try loadDigits(path: path)) { e in
            XCTAssertEqual((e as? DataError)?.line, 2)
            XCTAssertEqual((e as? DataError)?.column, 10)
        }
        let badLabel = dir + "/label.csv"
        try writeAtomically(Array(repeating: "0", count: 64).joined(separator: ",") + ",10\n", to: badLabel)
        XCTAssertThrowsError(try loadDigits(path: badLabel)) { e in
            XCTAssertEqual((e as? DataError)?.column, 65)
        }
        let narrow = dir + "/narrow.csv"
        try writeAtomically("1,2,3\n", to: narrow)
        XCTAssertThrowsError(try loadDigits(path: narrow)) { e in
            XCTAssertEqual((e as? DataError)?.file, narrow)
        }
    }
}
