import Foundation
import XCTest
@testable import NetRuntime

final class CSVTableTests: XCTestCase {
    func testParsesNumbersWithHeaderBlankLinesAndCRLF() throws {
        let text = "\u{FEFF}x, y ,\"z\"\r\n1,2.5,-3\r\n\r\n  4 ,5e-1,+6\n7,nan,1e3\n"
        let t = try CSVTable.parse(text, file: "t.csv", hasHeader: true)
        XCTAssertEqual(t.header, ["x", "y", "z"])
        XCTAssertEqual(t.rowCount, 3)
        XCTAssertEqual(t.columnCount, 3)
        XCTAssertEqual(t[0, 1], 2.5)
        XCTAssertEqual(t[1, 0], 4)
        XCTAssertEqual(t[1, 1], 0.5)
        XCTAssertEqual(t[1, 2], 6)
        XCTAssertTrue(t[2, 1].isNaN)
        XCTAssertEqual(t.column(0), [1, 4, 7])
        XCTAssertEqual(t.columnIndex(named: "z"), 2)
        XCTAssertEqual(t.lineNumbers, [2, 4, 5])
        XCTAssertEqual(t.tensor(Float.self).shape, [3, 3])
    }

    func testWithoutHeaderAndEmptyInput() throws {
        let t = try CSVTable.parse("1,2\n3,4", hasHeader: false)
        XCTAssertNil(t.header)
        XCTAssertEqual(t.values, [1, 2, 3, 4])
        let empty = try CSVTable.parse("", hasHeader: false)
        XCTAssertEqual(empty.rowCount, 0)
        XCTAssertEqual(empty.columnCount, 0)
    }

    func testBadFieldReportsFileLineAndColumn() {
        let text = "a,b,c\n1,2,3\n4,x5,6\n"
        XCTAssertThrowsError(try CSVTable.parse(text, file: "bad.csv", hasHeader: true)) { e in
            let err = e as? DataError
            XCTAssertEqual(err?.file, "bad.csv")
            XCTAssertEqual(err?.line, 3)
            XCTAssertEqual(err?.column, 2)
            XCTAssertEqual("\(e)", "bad.csv:3:2: 'x5' is not a number")
        }
    }

    func testEmptyFieldAndRaggedRows() {
        XCTAssertThrowsError(try CSVTable.parse("1,2,3\n4,,6\n", file: "f.csv")) { e in
            XCTAssertEqual(e as? DataError, .parse(file: "f.csv", line: 2, column: 2, message: "empty field"))
        }
        XCTAssertThrowsError(try CSVTable.parse("1,2,3\n\n4,5\n", file: "f.csv")) { e in
            XCTAssertEqual(e as? DataError, .parse(file: "f.csv", line: 3, column: 3, message: "expected 3 fields, found 2"))
        }
        XCTAssertThrowsError(try CSVTable.parse("h1,h2\n1,2,3\n", file: "f.csv", hasHeader: true)) { e in
            XCTAssertEqual((e as? DataError)?.line, 2)
            XCTAssertEqual((e as? DataError)?.column, 3)
        }
    }

    func testMissingFileNamesIt() {
        XCTAssertThrowsError(try CSVTable.load(path: "/nonexistent/dir/data.csv")) { e in
            XCTAssertEqual((e as? DataError)?.file, "/nonexistent/dir/data.csv")
            XCTAssertTrue("\(e)".contains("/nonexistent/dir/data.csv"))
        }
    }

    func testWriteAndReloadPlainAndGzip() throws {
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let table = try CSVTable(header: ["a", "b"], rows: [[1, 0.1], [-2.5, 1e-300], [3, 12345678.9]])
        for name in ["t.csv", "t.csv.gz"] {
            let path = dir + "/" + name
            try table.write(to: path)
            let raw = try readFileBytes(path)
            XCTAssertEqual(isGzip(raw), name.hasSuffix(".gz"))
            let back = try CSVTable.load(path: path, hasHeader: true)
            XCTAssertEqual(back.header, table.header)
            XCTAssertEqual(back.values, table.values)
        }
    }

    func testCorruptGzipIsAnErrorNamingTheFile() throws {
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let good = try gzip(Array("1,2\n3,4\n".utf8))
        let truncated = dir + "/trunc.csv.gz"
        try writeAtomically(Array(good[0..<(good.count - 6)]), to: truncated)
        XCTAssertThrowsError(try CSVTable.load(path: truncated)) { e in
            XCTAssertEqual((e as? DataError)?.file, truncated)
        }
        var garbage = good
        for i in 10..<min(16, garbage.count) { garbage[i] ^= 0xFF }
        let corrupt = dir + "/corrupt.csv.gz"
        try writeAtomically(garbage, to: corrupt)
        XCTAssertThrowsError(try CSVTable.load(path: corrupt)) { e in
            XCTAssertEqual((e as? DataError)?.file, corrupt)
        }
        // Concatenated gzip members decode as one stream.
        let twoMembers = try gzip(Array("1,2\n".utf8)) + gzip(Array("3,4\n".utf8))
        XCTAssertEqual(try gunzip(twoMembers), Array("1,2\n3,4\n".utf8))
    }
}
