extension CompletionEngine {
    /// The REPL's Tab: GNU readline completes the text from `wordStart` (a byte offset in
    /// `line`, after readline's own word-break characters, among them ':') to the end of
    /// `line` (the cursor). The engine's word may start before or after readline's (`:he`,
    /// where ':' breaks words; `d.tr`, where '.' does not), so each candidate is cut to
    /// replace exactly readline's part: `he` → `help`, `d.tr` → `d.train`.
    public static func readlineCandidates(line: String, wordStart: Int, context: Context) -> [String] {
        let result = complete(before: line, context: context)
        let readlineStart = String(decoding: Array(line.utf8).prefix(wordStart), as: UTF8.self).count
        let head = String(line.prefix(result.wordStart))
        return result.candidates.compactMap { candidate in
            let full = head + candidate.text
            guard full.count >= readlineStart else { return nil }
            return String(full.dropFirst(readlineStart))
        }
    }
}
