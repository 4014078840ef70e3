import Foundation
import XCTest

/// A minimal LSP client for the tests: starts `netl lsp`, writes framed JSON-RPC messages
/// to its standard input and reads framed replies from its standard output.
final class LSPTestClient {
    private let process = Process()
    private let input = Pipe(), output = Pipe(), errors = Pipe()
    private var buffer = Data()
    private var nextID = 1
    /// Notifications received while waiting for replies (publishDiagnostics).
    private(set) var notifications: [[String: Any]] = []

    init(arguments: [String] = []) throws {
        process.executableURL = netl
        process.arguments = ["lsp"] + arguments
        process.standardInput = input
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        // A hung server must fail the test, not hang the suite: killed after two minutes,
        // its output closes and `read` throws.
        let process = self.process
        DispatchQueue.global().asyncAfter(deadline: .now() + 120) { if process.isRunning { process.terminate() } }
    }

    deinit { if process.isRunning { process.terminate() } }

    func notify(_ method: String, _ params: [String: Any]) throws {
        try write(["jsonrpc": "2.0", "method": method, "params": params])
    }

    /// Several notifications in one write, so they reach the server together.
    func notifyAtOnce(_ messages: [(method: String, params: [String: Any])]) throws {
        var data = Data()
        for m in messages {
            let body = try JSONSerialization.data(withJSONObject: ["jsonrpc": "2.0", "method": m.method, "params": m.params] as [String: Any])
            data += Data("Content-Length: \(body.count)\r\n\r\n".utf8) + body
        }
        writeRaw(data)
    }

    /// Sends a request and returns its response (the whole message: result or error).
    func request(_ method: String, _ params: [String: Any] = [:]) throws -> [String: Any] {
        let id = nextID
        nextID += 1
        try write(["jsonrpc": "2.0", "id": id, "method": method, "params": params])
        while true {
            let message = try read()
            if message["id"] as? Int == id { return message }
            if message["method"] != nil { notifications.append(message) }
        }
    }

    /// The next publishDiagnostics notification (already received or the next to arrive).
    func diagnostics() throws -> [[String: Any]] {
        while true {
            if let i = notifications.firstIndex(where: { $0["method"] as? String == "textDocument/publishDiagnostics" }) {
                let n = notifications.remove(at: i)
                return ((n["params"] as? [String: Any])?["diagnostics"] as? [[String: Any]]) ?? []
            }
            let message = try read()
            if message["method"] != nil { notifications.append(message) }
        }
    }

    /// Sends `exit` and returns the process's exit status.
    func exit() throws -> Int32 {
        try write(["jsonrpc": "2.0", "method": "exit"])
        process.waitUntilExit()
        return process.terminationStatus
    }

    /// Raw bytes to the server's input (for malformed-input tests).
    func writeRaw(_ data: Data) { input.fileHandleForWriting.write(data) }

    private func write(_ message: [String: Any]) throws {
        let body = try JSONSerialization.data(withJSONObject: message)
        writeRaw(Data("Content-Length: \(body.count)\r\n\r\n".utf8) + body)
    }

    func read() throws -> [String: Any] {
        let separator = Data("\r\n\r\n".utf8)
        while true {
            if let end = buffer.range(of: separator) {
                let header = String(decoding: buffer[buffer.startIndex..<end.lowerBound], as: UTF8.self)
                guard let lengthText = header.split(separator: ":").last, let length = Int(lengthText.trimmingCharacters(in: .whitespaces)) else {
                    throw Failure("bad header from the server: \(header)")
                }
                if buffer.count - (end.upperBound - buffer.startIndex) >= length {
                    let body = buffer[end.upperBound..<end.upperBound + length]
                    buffer = Data(buffer[(end.upperBound + length)...])
                    guard let object = try JSONSerialization.jsonObject(with: body) as? [String: Any] else { throw Failure("not a JSON object") }
                    return object
                }
            }
            let chunk = output.fileHandleForReading.availableData
            if chunk.isEmpty {
                let stderr = String(decoding: errors.fileHandleForReading.availableData, as: UTF8.self)
                throw Failure("netl lsp closed its output; stderr: \(stderr)")
            }
            buffer += chunk
        }
    }

    struct Failure: Error, CustomStringConvertible {
        let description: String
        init(_ d: String) { description = d }
    }
}

/// LSP parameters for a position in a document.
func lspPosition(_ uri: String, line: Int, character: Int) -> [String: Any] {
    ["textDocument": ["uri": uri], "position": ["line": line, "character": character]]
}

/// The 0-based line and UTF-16 column of the first occurrence of `needle` in `text` (plus `offset` characters).
func lspLocation(of needle: String, in text: String, offset: Int = 0) -> (line: Int, character: Int) {
    for (n, line) in text.components(separatedBy: "\n").enumerated() {
        if let r = line.range(of: needle) { return (n, line[..<r.lowerBound].utf16.count + offset) }
    }
    XCTFail("'\(needle)' not found")
    return (0, 0)
}
