import Foundation
import XCTest
@testable import NetRuntime

final class NPYTests: XCTestCase {
    func testRoundTripFloatAndDouble() throws {
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let f = Tensor<Float>(shape: [2, 3], scalars: [1, -2.5, 3.25, .pi, 0, -1e-30])
        try writeNPY(f, to: dir + "/f.npy")
        let fa = try readNPY(path: dir + "/f.npy")
        XCTAssertEqual(fa.dtype, .float32)
        XCTAssertEqual(fa.shape, [2, 3])
        XCTAssertEqual(fa.tensor(Float.self), f)

        let d = Tensor<Double>(shape: [4], scalars: [1e300, -0.1, .infinity, 7])
        try writeNPY(d, to: dir + "/d.npy")
        XCTAssertEqual(try readNPYTensor(path: dir + "/d.npy", as: Double.self), d)

        let scalar = Tensor<Double>(42)
        try writeNPY(scalar, to: dir + "/s.npy")
        XCTAssertEqual(try readNPYTensor(path: dir + "/s.npy", as: Double.self), scalar)

        let empty = Tensor<Float>.zeros([0, 5])
        try writeNPY(empty, to: dir + "/e.npy")
        XCTAssertEqual(try readNPY(path: dir + "/e.npy").shape, [0, 5])
    }

    func testEncodedHeaderIsWhatNumPyWrites() {
        let bytes = NPYArray.encode(Tensor<Double>(shape: [3], scalars: [1, 2, 3]))
        XCTAssertEqual(Array(bytes[0..<8]), [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59, 1, 0])
        let headerLength = Int(bytes[8]) | Int(bytes[9]) << 8
        XCTAssertEqual((10 + headerLength) % 64, 0)
        let header = String(decoding: bytes[10..<(10 + headerLength)], as: UTF8.self)
        XCTAssertTrue(header.hasPrefix("{'descr': '<f8', 'fortran_order': False, 'shape': (3,), }"), header)
        XCTAssertTrue(header.hasSuffix("\n"))
        XCTAssertEqual(bytes.count, 10 + headerLength + 24)
    }

    /// Files written by NumPy 2.4 `np.save` (base64), as an external reference: the reader
    /// must decode them and the writer must reproduce the float files byte for byte.
    func testAgreesWithNumPyByteForByte() throws {
        func bytes(_ b64: String) -> [UInt8] { Array(Data(base64Encoded: b64)!) }
        let f8 = bytes("k05VTVBZAQB2AHsnZGVzY3InOiAnPGY4JywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDEsIDMpLCB9ICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoAAAAAAAD4PwAAAAAAAADAAAAAAAAACkA=")
        let t8 = Tensor<Double>(shape: [1, 3], scalars: [1.5, -2, 3.25])
        XCTAssertEqual(try NPYArray.decode(f8).tensor(Double.self), t8)
        XCTAssertEqual(NPYArray.encode(t8), f8)

        let i8 = bytes("k05VTVBZAQB2AHsnZGVzY3InOiAnPGk4JywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDIsIDMpLCB9ICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAr+////////////////////AAAAAAAAAAABAAAAAAAAAAIAAAAAAAAAAwAAAAAAAAA=")
        let a = try NPYArray.decode(i8)
        XCTAssertEqual(a.shape, [2, 3])
        XCTAssertEqual(a.integers(), [-2, -1, 0, 1, 2, 3])

        let f4 = bytes("k05VTVBZAQB2AHsnZGVzY3InOiAnPGY0JywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDIsKSwgfSAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoAAAA/AADAvw==")
        let t4 = Tensor<Float>(shape: [2], scalars: [0.5, -1.5])
        XCTAssertEqual(try NPYArray.decode(f4).tensor(Float.self), t4)
        XCTAssertEqual(NPYArray.encode(t4), f4)

        let scalar = bytes("k05VTVBZAQB2AHsnZGVzY3InOiAnPGY4JywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKCksIH0gICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoAAAAAAAAcQA==")
        XCTAssertEqual(try NPYArray.decode(scalar).tensor(Double.self), Tensor<Double>(7))
        XCTAssertEqual(NPYArray.encode(Tensor<Double>(7)), scalar)
    }

    /// Builds .npy bytes by hand, the way NumPy lays them out.
    private func handMade(version: UInt8 = 1, header: String, payload: [UInt8]) -> [UInt8] {
        var h = header
        let prefix = version == 1 ? 10 : 12
        while (prefix + h.utf8.count + 1) % 64 != 0 { h += " " }
        h += "\n"
        var out: [UInt8] = [0x93] + Array("NUMPY".utf8) + [version, 0]
        let n = h.utf8.count
        out += version == 1 ? [UInt8(n & 0xFF), UInt8(n >> 8)] : [UInt8(n & 0xFF), UInt8(n >> 8), 0, 0]
        return out + Array(h.utf8) + payload
    }

    func testHandMadeHeadersOfEachDtype() throws {
        // int64 [2,2], C order, extra spaces as older NumPy versions wrote them.
        var i8: [UInt8] = []
        for v: Int64 in [1, -2, 3, 1 << 40] { withUnsafeBytes(of: v.littleEndian) { i8 += $0 } }
        let a = try NPYArray.decode(handMade(header: "{'descr':'<i8','fortran_order':False,'shape':(2, 2)}", payload: i8))
        XCTAssertEqual(a.dtype, .int64)
        XCTAssertEqual(a.shape, [2, 2])
        XCTAssertEqual(a.integers(), [1, -2, 3, 1 << 40])
        XCTAssertEqual(a.tensor(Double.self).scalars, [1, -2, 3, Double(1 << 40)])

        var i4: [UInt8] = []
        for v: Int32 in [7, -8, 9] { withUnsafeBytes(of: v.littleEndian) { i4 += $0 } }
        let b = try NPYArray.decode(handMade(version: 2, header: "{'descr': '<i4', 'fortran_order': False, 'shape': (3,), }", payload: i4))
        XCTAssertEqual(b.dtype, .int32)
        XCTAssertEqual(b.tensor(Float.self).scalars, [7, -8, 9])

        var f4: [UInt8] = []
        for v: Float in [0.5, -1.5] { withUnsafeBytes(of: v.bitPattern.littleEndian) { f4 += $0 } }
        let c = try NPYArray.decode(handMade(header: "{'shape': (1, 2), 'fortran_order': False, 'descr': '<f4'}", payload: f4))
        XCTAssertEqual(c.tensor(Float.self), Tensor(shape: [1, 2], scalars: [0.5, -1.5]))
    }

    func testMalformedInputThrowsNamingTheFile() throws {
        let good = NPYArray.encode(Tensor<Float>(shape: [10], scalars: Array(repeating: 1, count: 10)))
        // Truncated at every possible length: always an error, never a crash.
        for cut in 0..<good.count {
            XCTAssertThrowsError(try NPYArray.decode(Array(good[0..<cut]), file: "cut.npy")) { e in
                XCTAssertEqual((e as? DataError)?.file, "cut.npy")
            }
        }
        XCTAssertThrowsError(try NPYArray.decode(good + [0], file: "x.npy"))
        XCTAssertThrowsError(try NPYArray.decode(handMade(header: "{'descr': '>f8', 'fortran_order': False, 'shape': (1,), }",
                                                          payload: Array(repeating: 0, count: 8)))) { e in
            XCTAssertTrue("\(e)".contains(">f8"), "\(e)")
        }
        XCTAssertThrowsError(try NPYArray.decode(handMade(header: "{'descr': '<f8', 'fortran_order': True, 'shape': (1,), }",
                                                          payload: Array(repeating: 0, count: 8))))
        XCTAssertThrowsError(try NPYArray.decode(handMade(header: "{'descr': '<f8', 'fortran_order': False, 'shape': (-1,), }",
                                                          payload: [])))
        XCTAssertThrowsError(try NPYArray.decode(handMade(header: "{'descr': '<f8', 'fortran_order': False, 'shape': (4611686018427387904, 4), }",
                                                          payload: [])))

        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/trunc.npy"
        try writeAtomically(Array(good.dropLast(3)), to: path)
        XCTAssertThrowsError(try readNPY(path: path)) { e in
            XCTAssertEqual((e as? DataError)?.file, path)
            XCTAssertTrue("\(e)".contains("truncated"), "\(e)")
        }
    }
}
