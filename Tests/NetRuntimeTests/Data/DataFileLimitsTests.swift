import Foundation
import XCTest
@testable import NetRuntime

/// Issue 25: loaders obey their limits before allocating: a CSV's value count (checked row
/// by row), what a compressed file may inflate to, and a .npy header's value count.
final class DataFileLimitsTests: XCTestCase {
    var folder: URL!
    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("netl-limits-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }
    override func tearDown() { try? FileManager.default.removeItem(at: folder) }

    func testACSVWithMoreValuesThanTheLimitIsRefused() throws {
        let text = Array("1,2,3\n4,5,6\n7,8,9\n".utf8)
        XCTAssertEqual(try CSVTable.parse(bytes: text, maximumValues: 9).rowCount, 3)
        XCTAssertThrowsError(try CSVTable.parse(bytes: text, file: "t.csv", maximumValues: 8)) { error in
            XCTAssertTrue("\(error)".contains("more than 8 values (line 3)"), "\(error)")
        }
    }

    func testACompressedCSVThatInflatesPastTheLimitIsRefusedWhileInflating() throws {
        let path = folder.appendingPathComponent("bomb.csv.gz").path
        let text = Array(String(repeating: "0,0,0,0,0,0,0,0,0,0\n", count: 100_000).utf8)   // 2 MB inflated
        try writeAtomically(try gzip(text), to: path)
        XCTAssertEqual(try CSVTable.load(path: path, maximumBytes: 4_000_000).rowCount, 100_000)
        XCTAssertThrowsError(try CSVTable.load(path: path, maximumBytes: 1_000_000)) { error in
            XCTAssertTrue("\(error)".contains("decompress to more than 1000000 bytes"), "\(error)")
        }
    }

    func testANPYHeaderAnnouncingMoreValuesThanTheLimitIsRefusedBeforeReading() throws {
        let path = folder.appendingPathComponent("a.npy").path
        try writeNPY(Tensor<Double>(shape: [4, 3], scalars: Array(repeating: 1, count: 12)), to: path)
        XCTAssertEqual(try readNPYTensor(path: path, as: Double.self, maximumValues: 12).shape, [4, 3])
        XCTAssertThrowsError(try readNPYTensor(path: path, as: Double.self, maximumValues: 11)) { error in
            XCTAssertTrue("\(error)".contains("holds 12 values, more than 11"), "\(error)")
        }
    }
}
