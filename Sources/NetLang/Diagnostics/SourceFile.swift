/// A script's text with its name, and the mapping from offsets to lines and columns that
/// diagnostics need.
public final class SourceFile: @unchecked Sendable {
    /// The path as the user gave it ("examples/ch2/mlp.net", "<repl>").
    public let name: String
    public let text: String
    /// The text as UTF-8 bytes: offsets in spans index into this.
    public let bytes: [UInt8]
    private let lineStarts: [Int]

    public init(name: String, text: String) {
        self.name = name
        // Editors on Windows start UTF-8 files with a byte-order mark; it is not part of
        // the script (Python and Swift skip it too).
        self.text = text.hasPrefix("\u{FEFF}") ? String(text.dropFirst()) : text
        self.bytes = Array(self.text.utf8)
        var starts = [0]
        for (i, b) in bytes.enumerated() where b == UInt8(ascii: "\n") { starts.append(i + 1) }
        lineStarts = starts
    }

    /// 1-based line and column (in characters) of a byte offset.
    public func location(of offset: Int) -> (line: Int, column: Int) {
        let offset = Swift.min(Swift.max(offset, 0), bytes.count)
        var lo = 0, hi = lineStarts.count - 1
        while lo < hi {
            let mid = (lo + hi + 1) / 2
            if lineStarts[mid] <= offset { lo = mid } else { hi = mid - 1 }
        }
        let start = lineStarts[lo]
        let column = String(decoding: bytes[start..<offset], as: UTF8.self).count + 1
        return (lo + 1, column)
    }

    /// The text of a 1-based line, without its newline.
    public func line(_ number: Int) -> String {
        guard number >= 1 && number <= lineStarts.count else { return "" }
        let start = lineStarts[number - 1]
        var end = number < lineStarts.count ? lineStarts[number] - 1 : bytes.count
        if end > start && bytes[end - 1] == UInt8(ascii: "\r") { end -= 1 }
        return String(decoding: bytes[start..<Swift.max(start, end)], as: UTF8.self)
    }
}

/// A range of bytes in a source file: where a token, expression or statement came from.
public struct SourceSpan: Sendable, Equatable, CustomStringConvertible {
    public let file: SourceFile
    public let start: Int
    public let end: Int

    public init(file: SourceFile, start: Int, end: Int) {
        self.file = file
        self.start = start
        self.end = Swift.max(start, end)
    }

    /// The smallest span covering both.
    public func to(_ other: SourceSpan) -> SourceSpan {
        SourceSpan(file: file, start: Swift.min(start, other.start), end: Swift.max(end, other.end))
    }

    public var text: String { String(decoding: file.bytes[start..<end], as: UTF8.self) }

    /// "file:line:column".
    public var description: String {
        let (l, c) = file.location(of: start)
        return "\(file.name):\(l):\(c)"
    }

    public static func == (a: SourceSpan, b: SourceSpan) -> Bool { a.file === b.file && a.start == b.start && a.end == b.end }
}
