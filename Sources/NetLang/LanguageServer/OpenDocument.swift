import Foundation

/// A script open in the editor: its text (full synchronisation: every change sends the
/// whole text), the syntax tree and index read from it, and its last check.
final class OpenDocument {
    let uri: String
    let source: SourceFile
    let statements: [Statement]
    let index: DocumentIndex
    let tokens: [Token]
    var check: EditorCheck?

    init(uri: String, text: String) {
        self.uri = uri
        source = SourceFile(name: OpenDocument.path(of: uri) ?? uri, text: text)
        statements = parse(source).statements
        index = DocumentIndex(statements, file: source)
        tokens = tokenize(source).tokens
    }

    /// The file path of a `file:` URI (nil for other schemes, such as unsaved buffers).
    static func path(of uri: String) -> String? {
        guard let url = URL(string: uri), url.isFileURL else { return nil }
        return url.path
    }

    static func uri(of path: String) -> String { URL(fileURLWithPath: path).absoluteString }

    /// The folder relative paths (imports, data files) resolve against.
    var baseDirectory: String {
        guard let path = Self.path(of: uri) else { return FileManager.default.currentDirectoryPath }
        let folder = (path as NSString).deletingLastPathComponent
        return folder.isEmpty ? "." : folder
    }

    /// The identifier token at a byte offset (its end counts: the cursor just after a word).
    func identifierIndex(at offset: Int) -> Int? {
        tokens.indices.first { tokens[$0].isIdentifier && tokens[$0].span.start <= offset && offset <= tokens[$0].span.end }
    }

    /// The chain of names ending at the identifier token `i` (`digits.train` → ["digits", "train"]).
    func chain(endingAt i: Int) -> [String] {
        var path = [tokens[i].identifier!], k = i
        while k >= 2, tokens[k - 1].kind == .dot, let name = tokens[k - 2].identifier {
            path.insert(name, at: 0)
            k -= 2
        }
        return path
    }
}
