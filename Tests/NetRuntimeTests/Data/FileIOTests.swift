import Foundation
import XCTest
@testable import NetRuntime

final class FileIOTests: XCTestCase {
    func testWriteAtomicallyReplacesAndLeavesNoTemporaries() throws {
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/out.bin"
        try writeAtomically([1, 2, 3], to: path)
        XCTAssertEqual(try readFileBytes(path), [1, 2, 3])
        try writeAtomically("replaced", to: path)
        XCTAssertEqual(try readFileBytes(path), Array("replaced".utf8))
        try writeAtomically([UInt8](), to: path)
        XCTAssertEqual(try readFileBytes(path), [])
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir), ["out.bin"])
    }

    func testErrorsNameTheFile() {
        XCTAssertThrowsError(try writeAtomically([1], to: "/nonexistent-dir/x.bin")) { e in
            XCTAssertEqual((e as? DataError)?.file, "/nonexistent-dir/x.bin")
        }
        XCTAssertThrowsError(try readFileBytes("/nonexistent-dir/x.bin")) { e in
            XCTAssertTrue("\(e)".hasPrefix("/nonexistent-dir/x.bin: "), "\(e)")
        }
        XCTAssertThrowsError(try readFileBytes("/"))
    }
}
