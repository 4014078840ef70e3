import Foundation
import XCTest
@testable import NetRuntime

/// Issue 14: loaders read regular files only and check sizes before reading; atomic
/// saves keep links and permissions, refuse directories and devices, and clean up after a
/// killed save; checkpoints are validated as the safetensors format requires.
final class FileSafetyTests: XCTestCase {
    var dir = ""
    override func setUpWithError() throws { dir = try makeTemporaryDirectory() }
    override func tearDown() { try? FileManager.default.removeItem(atPath: dir) }

    func testDevicesAndFIFOsAreRefusedBeforeReading() throws {
        for device in ["/dev/zero", "/dev/urandom"] {
            XCTAssertThrowsError(try readFileBytes(device)) { XCTAssertTrue("\($0)".contains("is a device, not a regular file"), "\($0)") }
            XCTAssertThrowsError(try readNPY(path: device))
            XCTAssertThrowsError(try CSVTable.load(path: device))
        }
        let fifo = dir + "/pipe"
        XCTAssertEqual(mkfifo(fifo, 0o600), 0)
        // Would block forever if opened for a blocking read.
        XCTAssertThrowsError(try readFileBytes(fifo)) { XCTAssertTrue("\($0)".contains("a FIFO"), "\($0)") }
        XCTAssertThrowsError(try readFileBytes(dir)) { XCTAssertTrue("\($0)".contains("a directory"), "\($0)") }
        let big = dir + "/big.bin"
        try writeAtomically([UInt8](repeating: 1, count: 100), to: big)
        XCTAssertThrowsError(try readFileBytes(big, limit: 99)) { XCTAssertTrue("\($0)".contains("100 bytes long"), "\($0)") }
    }

    func testNPYHeaderIsCheckedAgainstTheFileSizeFirst() throws {
        // A header announcing 10¹² float64 values in a file of a few bytes.
        var header = "{'descr': '<f8', 'fortran_order': False, 'shape': (1000000, 1000000), }"
        header += String(repeating: " ", count: 63 - (10 + header.utf8.count) % 64) + "\n"
        let bytes: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59, 1, 0, UInt8(header.utf8.count & 0xFF), UInt8(header.utf8.count >> 8)] + Array(header.utf8) + [0, 0, 0, 0]
        let path = dir + "/huge.npy"
        try writeAtomically(bytes, to: path)
        XCTAssertThrowsError(try readNPY(path: path)) { XCTAssertTrue("\($0)".contains("needs 8000000000000 bytes, file has 4"), "\($0)") }
        var garbled = bytes
        garbled[20] = 0xFF
        try writeAtomically(garbled, to: path)
        XCTAssertThrowsError(try readNPY(path: path)) { XCTAssertTrue("\($0)".contains("malformed .npy header"), "\($0)") }
    }

    func testGzipOutputIsLimited() throws {
        let compressed = try gzip([UInt8](repeating: 0, count: 1 << 20))
        XCTAssertThrowsError(try gunzip(compressed, limit: 1000)) { XCTAssertTrue("\($0)".contains("more than 1000 bytes"), "\($0)") }
        XCTAssertEqual(try gunzip(compressed).count, 1 << 20)
    }

    func testSavingOntoASymlinkReplacesItsTarget() throws {
        let target = dir + "/real.bin", link = dir + "/link.bin"
        try writeAtomically([1], to: target)
        XCTAssertEqual(symlink("real.bin", link), 0)
        try writeAtomically([2, 3], to: link)
        XCTAssertEqual(try FileManager.default.destinationOfSymbolicLink(atPath: link), "real.bin")
        XCTAssertEqual(try readFileBytes(target), [2, 3])
    }

    func testSavingKeepsPermissionsAndRefusesDirectoriesAndDevices() throws {
        let path = dir + "/kept.bin"
        try writeAtomically([1], to: path)
        XCTAssertEqual(chmod(path, 0o640), 0)
        try writeAtomically([2], to: path)
        var st = stat()
        XCTAssertEqual(stat(path, &st), 0)
        XCTAssertEqual(st.st_mode & 0o777, 0o640)
        XCTAssertThrowsError(try writeAtomically([1], to: dir)) { XCTAssertTrue("\($0)".contains("is a directory"), "\($0)") }
        XCTAssertThrowsError(try writeAtomically([1], to: "/dev/null")) { XCTAssertTrue("\($0)".contains("is a device"), "\($0)") }
    }

    func testStaleTemporaryFilesOfTheSameTargetAreRemoved() throws {
        let path = dir + "/model.safetensors"
        // What a save killed before its rename leaves behind, and an unrelated file.
        try writeAtomically([9], to: dir + "/.model.safetensors.tmp-Ab3dE9")
        try writeAtomically([9], to: dir + "/.other.bin.tmp-Ab3dE9")
        try writeAtomically([1], to: path)
        XCTAssertEqual(Set(try FileManager.default.contentsOfDirectory(atPath: dir)), ["model.safetensors", ".other.bin.tmp-Ab3dE9"])
    }

    // MARK: Safetensors

    /// A safetensors file from a header object and raw data bytes.
    func safetensors(_ header: [String: Any], data: [UInt8]) throws -> String {
        var json = try JSONSerialization.data(withJSONObject: header, options: [.sortedKeys])
        while json.count % 8 != 0 { json.append(0x20) }
        var bytes = (0..<8).map { UInt8((json.count >> (8 * $0)) & 0xFF) }
        bytes += Array(json) + data
        let path = dir + "/m.safetensors"
        try writeAtomically(bytes, to: path)
        return path
    }

    func floats(_ xs: [Float]) -> [UInt8] { xs.flatMap { x in (0..<4).map { UInt8((x.bitPattern >> (8 * $0)) & 0xFF) } } }

    func testSafetensorsRoundTripStillWorks() throws {
        let path = dir + "/ok.safetensors"
        try Safetensors.write([("w", Tensor(shape: [2, 2], scalars: [1, 2, 3, 4])), ("b", Tensor(shape: [2], scalars: [5, 6]))], to: path)
        let back = try Safetensors.read(path)
        XCTAssertEqual(back["w"]?.scalars, [1, 2, 3, 4])
        XCTAssertEqual(back["b"]?.scalars, [5, 6])
    }

    func testOverlappingOffsetsAreRejected() throws {
        let path = try safetensors(["w": ["dtype": "F32", "shape": [2], "data_offsets": [0, 8]],
                                    "b": ["dtype": "F32", "shape": [1], "data_offsets": [4, 8]]], data: floats([1, 2]))
        XCTAssertThrowsError(try Safetensors.read(path)) { XCTAssertTrue("\($0)".contains("overlaps"), "\($0)") }
    }

    func testTrailingBytesHolesAndWrongLengthsAreRejected() throws {
        let trailing = try safetensors(["w": ["dtype": "F32", "shape": [1], "data_offsets": [0, 4]]], data: floats([1, 2]))
        XCTAssertThrowsError(try Safetensors.read(trailing)) { XCTAssertTrue("\($0)".contains("4 trailing bytes"), "\($0)") }
        let hole = try safetensors(["w": ["dtype": "F32", "shape": [1], "data_offsets": [4, 8]]], data: floats([1, 2]))
        XCTAssertThrowsError(try Safetensors.read(hole)) { XCTAssertTrue("\($0)".contains("belong to no tensor"), "\($0)") }
        let unaligned = try safetensors(["w": ["dtype": "F32", "shape": [1], "data_offsets": [1, 5]]], data: floats([1, 2]))
        XCTAssertThrowsError(try Safetensors.read(unaligned))
        let length = try safetensors(["w": ["dtype": "F32", "shape": [3], "data_offsets": [0, 8]]], data: floats([1, 2]))
        XCTAssertThrowsError(try Safetensors.read(length)) { XCTAssertTrue("\($0)".contains("needs 12 bytes, its offsets give 8"), "\($0)") }
        let outside = try safetensors(["w": ["dtype": "F32", "shape": [2], "data_offsets": [0, 1_000_000]]], data: floats([1, 2]))
        XCTAssertThrowsError(try Safetensors.read(outside)) { XCTAssertTrue("\($0)".contains("outside"), "\($0)") }
        let fractional = try safetensors(["w": ["dtype": "F32", "shape": [1.5], "data_offsets": [0, 8]]], data: floats([1, 2]))
        XCTAssertThrowsError(try Safetensors.read(fractional))
    }

    func testPNGNeedsAPNGName() throws {
        let image = RGBImage(width: 2, height: 2)
        XCTAssertThrowsError(try image.writePNG(to: dir + "/picture.jpg"))
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/picture.jpg"))
        try image.writePNG(to: dir + "/picture.PNG")
    }
}
