import Foundation

/// The base protocol of LSP: every JSON-RPC message is preceded by headers, of which
/// only `Content-Length` matters, and a blank line:
///
///     Content-Length: 52\r\n
///     \r\n
///     {"jsonrpc":"2.0","id":1,"method":"shutdown"}
///
/// `MessageReader` cuts a byte stream (standard input, a pipe) into message bodies.
public final class MessageReader {
    private let fileDescriptor: Int32
    private var buffer = [UInt8]()
    private var atEnd = false
    /// Where the search for the end of the header block resumes: the bytes before it were
    /// searched already (so a long header arriving in pieces is scanned once, not once per piece).
    private var searched = 0

    /// The longest message body read (256 MiB). A longer Content-Length — up to 2⁶³ − 1 from
    /// a broken or hostile client — is not a valid header: its block is skipped, as one
    /// without a length, instead of overflowing `headerEnd + length` or waiting for bytes
    /// that cannot fit in memory.
    public static let maximumMessageBytes = 1 << 28

    public init(fileDescriptor: Int32) { self.fileDescriptor = fileDescriptor }

    /// The next message body; nil at the end of the stream. A header block without a
    /// valid Content-Length is skipped (a client error the server cannot answer).
    public func next() -> Data? {
        while true {
            if let (headerEnd, length) = header() {
                guard let length else {
                    consume(headerEnd)
                    continue
                }
                while buffer.count < headerEnd + length {
                    guard fill() else { return nil }
                }
                let body = Data(buffer[headerEnd..<headerEnd + length])
                consume(headerEnd + length)
                return body
            }
            guard fill() else { return nil }
        }
    }

    /// Whether a whole message has arrived and waits to be read (without blocking): the
    /// server checks a changed document only when no newer change is waiting behind it.
    public func hasWaitingMessage() -> Bool {
        var poller = pollfd(fd: fileDescriptor, events: Int16(POLLIN), revents: 0)
        if !atEnd, poll(&poller, 1, 0) > 0 { _ = fill() }
        guard let (headerEnd, length) = header() else { return false }
        return length == nil || buffer.count >= headerEnd + length!
    }

    private func consume(_ count: Int) {
        buffer.removeFirst(count)
        searched = 0
    }

    /// The end of the header block in the buffer (after "\r\n\r\n") and its Content-Length
    /// (nil when missing, negative or over `maximumMessageBytes`).
    private func header() -> (Int, Int?)? {
        let separator: [UInt8] = [13, 10, 13, 10]
        guard buffer.count >= 4, searched <= buffer.count - 4 else { return nil }   // nothing new to search
        for i in searched...(buffer.count - 4) where buffer[i] == 13 && Array(buffer[i..<i + 4]) == separator {
            let text = String(decoding: buffer[0..<i], as: UTF8.self)
            var length: Int?
            for line in text.split(separator: "\r\n") {
                let parts = line.split(separator: ":", maxSplits: 1)
                if parts.count == 2, parts[0].trimmingCharacters(in: .whitespaces).lowercased() == "content-length" {
                    length = Int(parts[1].trimmingCharacters(in: .whitespaces)).flatMap { $0 >= 0 && $0 <= Self.maximumMessageBytes ? $0 : nil }
                }
            }
            return (i + 4, length)
        }
        searched = buffer.count - 3
        return nil
    }

    /// Reads more bytes; false at the end of the stream.
    private func fill() -> Bool {
        if atEnd { return false }
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = chunk.withUnsafeMutableBytes { read(fileDescriptor, $0.baseAddress, 65536) }
            if n > 0 { buffer.append(contentsOf: chunk[0..<n]); return true }
            if n < 0 && errno == EINTR { continue }
            atEnd = true
            return false
        }
    }
}

/// Writes framed messages to a file descriptor (the server's private copy of standard
/// output: see `LanguageServer.serve`).
public final class MessageWriter {
    private let fileDescriptor: Int32
    public init(fileDescriptor: Int32) { self.fileDescriptor = fileDescriptor }

    public func send(_ message: [String: Any]) {
        guard let body = try? JSONSerialization.data(withJSONObject: message, options: [.withoutEscapingSlashes]) else { return }
        var bytes = Array("Content-Length: \(body.count)\r\n\r\n".utf8)
        bytes.append(contentsOf: body)
        var offset = 0
        while offset < bytes.count {
            let n = bytes[offset...].withUnsafeBytes { write(fileDescriptor, $0.baseAddress, $0.count) }
            if n > 0 { offset += n } else if n < 0 && errno == EINTR { continue } else { return }
        }
    }
}
