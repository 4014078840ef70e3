/// Completion of the word before the cursor, shared by the REPL (Tab) and the language
/// server (textDocument/completion): colon commands, members after a dot, argument names
/// inside a described built-in's call, and otherwise names (keywords, layers, built-ins,
/// names in scope).
public enum CompletionEngine {
    public enum Kind: String, Sendable { case keyword, layer, builtin, name, argument, member, command }

    public struct Candidate: Equatable, Sendable {
        public let text: String
        public let kind: Kind
    }

    public struct Result: Sendable {
        /// Where the word being completed starts, as a count of characters of the text
        /// before the cursor: a candidate replaces the characters from there to the cursor.
        public let wordStart: Int
        /// The word typed so far.
        public let word: String
        /// Candidates that start with `word`, in the order: most specific first.
        public let candidates: [Candidate]
    }

    /// What the completion can ask its caller.
    public struct Context {
        /// Names bound where the cursor is (script definitions, session globals).
        public var names: [String]
        /// The members of the value a chain of names holds (`d.train` → x, y, …).
        public var members: ([String]) -> [String]
        /// REPL commands (`:help`); empty in an editor.
        public var commands: [String]

        public init(names: [String], members: @escaping ([String]) -> [String], commands: [String] = []) {
            self.names = names; self.members = members; self.commands = commands
        }
    }

    /// Every reserved word and train-item word.
    public static var keywords: [String] { Keyword.allCases.map(\.rawValue) + TrainWord.allCases.map(\.rawValue) }

    /// Completes the last word of `text` (everything before the cursor).
    public static func complete(before text: String, context: Context) -> Result {
        let chars = Array(text)
        var start = chars.count
        while start > 0, isWordCharacter(chars[start - 1]) { start -= 1 }
        let word = String(chars[start...])

        // `:he` at the start of a REPL input.
        if !context.commands.isEmpty, start == 1, chars.first == ":" {
            return result(start - 1, ":" + word, context.commands.map { Candidate(text: $0, kind: .command) })
        }
        // `d.tr`: the members of the chain before the dot.
        if start > 0, chars[start - 1] == "." {
            let path = chain(chars, endingAt: start - 1)
            guard !path.isEmpty else { return result(start, word, []) }
            return result(start, word, context.members(path).map { Candidate(text: $0, kind: .member) })
        }
        var candidates: [Candidate] = []
        // Inside a described built-in's call: its argument names not given yet.
        if let arguments = ArgumentCompletion.candidates(before: String(chars[..<start])) {
            candidates += arguments.map { Candidate(text: $0, kind: .argument) }
        }
        candidates += context.names.map { Candidate(text: $0, kind: .name) }
        candidates += keywords.map { Candidate(text: $0, kind: .keyword) }
        candidates += LayerCatalog.names.map { Candidate(text: $0, kind: .layer) }
        candidates += Builtins.all.map { Candidate(text: $0.0, kind: .builtin) }
        return result(start, word, candidates)
    }

    /// Keeps the candidates that extend `word`, once each (the first, most specific kind).
    private static func result(_ start: Int, _ word: String, _ all: [Candidate]) -> Result {
        var seen = Set<String>(), kept: [Candidate] = []
        for c in all where c.text.hasPrefix(word) && !seen.contains(c.text) {
            seen.insert(c.text)
            kept.append(c)
        }
        return Result(wordStart: start, word: word, candidates: kept)
    }

    /// The names of `a.b.c` ending just before the dot at `dot` ([] if not a plain chain).
    private static func chain(_ chars: [Character], endingAt dot: Int) -> [String] {
        var path: [String] = [], end = dot
        while true {
            var start = end
            while start > 0, isWordCharacter(chars[start - 1]) { start -= 1 }
            guard start < end, !chars[start].isNumber else { return [] }
            path.insert(String(chars[start..<end]), at: 0)
            guard start > 0, chars[start - 1] == "." else { return path }
            end = start - 1
        }
    }

    static func isWordCharacter(_ c: Character) -> Bool { c.isLetter || c.isNumber || c == "_" }
}
