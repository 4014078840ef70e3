import Foundation
import NetLang
import XCTest

/// LSP's base protocol: Content-Length headers on a byte stream, however it is split.
final class MessageFramingTests: XCTestCase {
    func testMessagesAreCutAtTheirLengthsAcrossWrites() throws {
        var fds: [Int32] = [0, 0]
        XCTAssertEqual(pipe(&fds), 0)
        let reader = MessageReader(fileDescriptor: fds[0])
        let first = #"{"jsonrpc":"2.0","id":1,"method":"größe"}"#, second = #"{"jsonrpc":"2.0","method":"exit"}"#
        let stream = "Content-Length: \(first.utf8.count)\r\nContent-Type: application/vscode-jsonrpc; charset=utf-8\r\n\r\n\(first)"
            + "Content-Length: \(second.utf8.count)\r\n\r\n\(second)"
        let bytes = Array(stream.utf8)
        // Written in two pieces, the cut inside the first body.
        let cut = 60
        bytes[..<cut].withUnsafeBytes { _ = write(fds[1], $0.baseAddress, cut) }
        XCTAssertFalse(reader.hasWaitingMessage())
        bytes[cut...].withUnsafeBytes { _ = write(fds[1], $0.baseAddress, bytes.count - cut) }
        close(fds[1])
        XCTAssertTrue(reader.hasWaitingMessage())
        XCTAssertEqual(reader.next().map { String(decoding: $0, as: UTF8.self) }, first)
        XCTAssertEqual(reader.next().map { String(decoding: $0, as: UTF8.self) }, second)
        XCTAssertNil(reader.next())
        close(fds[0])
    }

    /// A Content-Length up to 2⁶³ − 1 trapped on `headerEnd + length` (fuzz, issue 25):
    /// a length over the limit is skipped like a missing one, and reading goes on.
    func testLengthsBeyondTheLimitAreSkipped() throws {
        var fds: [Int32] = [0, 0]
        XCTAssertEqual(pipe(&fds), 0)
        let reader = MessageReader(fileDescriptor: fds[0])
        let message = #"{"jsonrpc":"2.0","method":"exit"}"#
        var stream = ""
        for length in ["9223372036854775807", "99999999999999999999", "\(MessageReader.maximumMessageBytes + 1)", "-5", "abc"] {
            stream += "Content-Length: \(length)\r\n\r\n"
        }
        stream += "Content-Length: \(message.utf8.count)\r\n\r\n\(message)"
        let bytes = Array(stream.utf8)
        bytes.withUnsafeBytes { _ = write(fds[1], $0.baseAddress, bytes.count) }
        close(fds[1])
        XCTAssertTrue(reader.hasWaitingMessage())
        XCTAssertEqual(reader.next().map { String(decoding: $0, as: UTF8.self) }, message)
        XCTAssertNil(reader.next())
        close(fds[0])
    }

    /// A header block arriving one byte at a time is found (the search resumes where it
    /// stopped, also when asked again before more bytes came: a trap the fuzz found) and the
    /// message after it is whole.
    func testAHeaderWrittenByteByByteIsFound() throws {
        var fds: [Int32] = [0, 0]
        XCTAssertEqual(pipe(&fds), 0)
        let reader = MessageReader(fileDescriptor: fds[0])
        let message = #"{"jsonrpc":"2.0","method":"exit"}"#
        let bytes = Array("Content-Length: \(message.utf8.count)\r\n\r\n\(message)".utf8)
        for (i, byte) in bytes.enumerated() {
            _ = withUnsafeBytes(of: byte) { write(fds[1], $0.baseAddress, 1) }
            if i < bytes.count - 1 {
                XCTAssertFalse(reader.hasWaitingMessage(), "after \(i + 1) bytes")
                XCTAssertFalse(reader.hasWaitingMessage(), "asked again after \(i + 1) bytes")
            }
        }
        close(fds[1])
        XCTAssertTrue(reader.hasWaitingMessage())
        XCTAssertEqual(reader.next().map { String(decoding: $0, as: UTF8.self) }, message)
        close(fds[0])
    }
}
