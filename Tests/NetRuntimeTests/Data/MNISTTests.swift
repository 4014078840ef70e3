import Foundation
import XCTest
@testable import NetRuntime

final class MNISTTests: XCTestCase {
    func testLoadsShippedMNISTSubset() throws {
        let (images, labels) = try loadMNIST(path: repositoryRoot + "/examples/data/mnist_5k.csv.gz")
        XCTAssertEqual(images.shape, [5000, 784])
        XCTAssertEqual(labels.count, 5000)
        // 500 images of every class, stored class by class.
        for c in 0...9 { XCTAssertEqual(labels.filter { $0 == c }.count, 500, "class \(c)") }
        XCTAssertEqual(labels[0], 0)
        XCTAssertEqual(labels[4999], 9)
        XCTAssertEqual(images.scalars.min(), 0)
        XCTAssertEqual(images.scalars.max(), 255)
        // First image, row 4 (pixels 124…131 of the file's first line): 0,0,0,51,159,253,159,50.
        XCTAssertEqual(Array(images.scalars[124..<132]), [0, 0, 0, 51, 159, 253, 159, 50])
        // Real handwriting: about a fifth of the pixels are ink.
        let ink = Double(images.scalars.filter { $0 > 0 }.count) / Double(images.count)
        XCTAssertEqual(ink, 0.19, accuracy: 0.03)
    }

    func testRejectsBadRowsWithLocation() throws {
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var row = Array(repeating: "0", count: 784)
        row[300] = "256"
        let path = dir + "/mnist.csv"
        try writeAtomically(Array(repeating: "0", count: 784).joined(separator: ",") + ",7\n" + row.joined(separator: ",") + ",7\n", to: path)
        XCTAssertThrowsError(try loadMNIST(path: path)) { e in
            XCTAssertEqual((e as? DataError)?.line, 2)
            XCTAssertEqual((e as? DataError)?.column, 301)
        }
        let digitsRow = dir + "/digits.csv"
        try writeAtomically(Array(repeating: "0", count: 64).joined(separator: ",") + ",3\n", to: digitsRow)
        XCTAssertThrowsError(try loadMNIST(path: digitsRow)) { e in
            XCTAssertTrue("\(e)".contains("expected 785 columns"), "\(e)")
        }
    }

    func testStratifiedSplitKeepsClassProportions() throws {
        // 3 classes of 50, 30 and 20 examples, 25 % test: exactly 25 test examples,
        // 12.5 / 7.5 / 5 per class rounded so that they add up.
        let labels = Array(repeating: 0, count: 50) + Array(repeating: 1, count: 30) + Array(repeating: 2, count: 20)
        let s = try stratifiedTrainTestSplit(labels: labels, testFraction: 0.25, seed: 3)
        XCTAssertEqual(s.test.count, 25)
        XCTAssertEqual((s.train + s.test).sorted(), Array(0..<100))
        let perClass = (0...2).map { c in s.test.filter { labels[$0] == c }.count }
        XCTAssertEqual(perClass[2], 5)
        XCTAssertTrue([12, 13].contains(perClass[0]) && [7, 8].contains(perClass[1]), "\(perClass)")
        XCTAssertEqual(perClass.reduce(0, +), 25)
        XCTAssertEqual(try stratifiedTrainTestSplit(labels: labels, testFraction: 0.25, seed: 3), s)
        XCTAssertNotEqual(try stratifiedTrainTestSplit(labels: labels, testFraction: 0.25, seed: 4), s)
        // The parts are shuffled, not grouped by class.
        XCTAssertNotEqual(s.test.map { labels[$0] }, s.test.map { labels[$0] }.sorted())
        XCTAssertThrowsError(try stratifiedTrainTestSplit(labels: labels, testFraction: -0.1, seed: 0))
        XCTAssertEqual(try stratifiedTrainTestSplit(labels: [], testFraction: 0.5, seed: 0), Split(train: [], test: []))
    }
}
