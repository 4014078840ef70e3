/// LSP positions are (line, character) with both counted from 0 and the character
/// counted in UTF-16 code units (the protocol's default encoding); spans count UTF-8
/// bytes. These convert between the two on a `SourceFile`.
extension SourceFile {
    /// The byte offset where the 0-based `line` starts (the end of the text past the last line).
    func startOfLine(_ line: Int) -> Int {
        if line <= 0 { return 0 }
        var seen = 0
        for (i, b) in bytes.enumerated() where b == UInt8(ascii: "\n") {
            seen += 1
            if seen == line { return i + 1 }
        }
        return bytes.count
    }

    /// The LSP position of a byte offset.
    func lspPosition(of offset: Int) -> [String: Int] {
        let offset = Swift.min(Swift.max(offset, 0), bytes.count)
        var lineStart = offset
        while lineStart > 0 && bytes[lineStart - 1] != UInt8(ascii: "\n") { lineStart -= 1 }
        let line = location(of: offset).line - 1
        let character = String(decoding: bytes[lineStart..<offset], as: UTF8.self).utf16.count
        return ["line": line, "character": character]
    }

    /// The byte offset of an LSP position (clamped to the line's end and the text).
    func offset(line: Int, character: Int) -> Int {
        let start = startOfLine(line)
        var end = start
        while end < bytes.count && bytes[end] != UInt8(ascii: "\n") { end += 1 }
        var units = 0, offset = start
        for scalar in String(decoding: bytes[start..<end], as: UTF8.self).unicodeScalars {
            if units >= character { break }
            units += scalar.utf16.count
            offset += scalar.utf8.count
        }
        return offset
    }

    /// An LSP range covering a span.
    func lspRange(_ span: SourceSpan) -> [String: Any] {
        ["start": lspPosition(of: span.start), "end": lspPosition(of: span.end)]
    }
}
