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
}
