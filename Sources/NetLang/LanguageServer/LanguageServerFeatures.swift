import Foundation

/// The answers of `netl lsp` to an open document's requests: hover, completion, go to
/// definition and the outline (document symbols), as LSP JSON.
extension LanguageServer {

    func hover(_ document: OpenDocument, _ offset: Int) -> [String: Any]? {
        guard let i = document.identifierIndex(at: offset) else { return nil }
        let path = document.chain(endingAt: i)
        let definition = path.count == 1 ? document.index.definition(of: path[0], at: offset) : nil
        guard let text = HoverText.markdown(path: path, definition: definition, session: document.check?.session) else { return nil }
        return ["contents": ["kind": "markdown", "value": text], "range": document.source.lspRange(document.tokens[i].span)]
    }

    func completion(_ document: OpenDocument, _ offset: Int) -> [String: Any] {
        let before = String(decoding: document.source.bytes[0..<offset], as: UTF8.self)
        let session = document.check?.session
        let context = CompletionEngine.Context(
            names: document.index.names(at: offset) + (session?.globals.allNames.sorted() ?? []),
            members: { session?.memberNames(ofPath: $0) ?? [] })
        let result = CompletionEngine.complete(before: before, context: context)
        let items: [[String: Any]] = result.candidates.map { c in
            var item: [String: Any] = ["label": c.text, "kind": Self.completionKind(c.kind), "detail": c.kind.rawValue]
            if c.kind == .builtin, let d = BuiltinDescriptions.byName[c.text] { item["detail"] = d.signature }
            if c.kind == .layer, let d = LayerCatalog.description(of: c.text) { item["detail"] = "layer " + d.signature }
            return item
        }
        return ["isIncomplete": false, "items": items]
    }

    /// LSP CompletionItemKind numbers.
    private static func completionKind(_ kind: CompletionEngine.Kind) -> Int {
        switch kind {
        case .keyword: 14
        case .layer: 7        // Class
        case .builtin: 3      // Function
        case .name: 6         // Variable
        case .argument: 5     // Field
        case .member: 10      // Property
        case .command: 14
        }
    }

    func definition(_ document: OpenDocument, _ offset: Int) -> [String: Any]? {
        // On an import statement: the imported file.
        for (path, span) in document.index.imports where span.start <= offset && offset <= span.end {
            guard let file = importedFile(path, from: document) else { return nil }
            return ["uri": OpenDocument.uri(of: file), "range": ["start": ["line": 0, "character": 0], "end": ["line": 0, "character": 0]]]
        }
        guard let i = document.identifierIndex(at: offset) else { return nil }
        let name = document.tokens[i].identifier!
        if document.chain(endingAt: i).count > 1 { return nil }   // a member, not a name
        if let d = document.index.definition(of: name, at: offset) {
            return ["uri": document.uri, "range": document.source.lspRange(d.nameSpan)]
        }
        // A name an imported file defines at its top level.
        for (path, _) in document.index.imports {
            guard let file = importedFile(path, from: document), let text = try? String(contentsOfFile: file, encoding: .utf8) else { continue }
            let source = SourceFile(name: file, text: text)
            let index = DocumentIndex(parse(source).statements, file: source)
            if let d = index.definitions.last(where: { $0.name == name && $0.kind != .trainBlock }) {
                return ["uri": OpenDocument.uri(of: file), "range": source.lspRange(d.nameSpan)]
            }
        }
        return nil
    }

    /// The path of an imported file as the interpreter resolves it: beside the script.
    private func importedFile(_ path: String, from document: OpenDocument) -> String? {
        let full = path.hasPrefix("/") ? path : (document.baseDirectory as NSString).appendingPathComponent(path)
        return FileManager.default.fileExists(atPath: full) ? full : nil
    }

    func documentSymbols(_ definitions: [DocumentIndex.Definition], in source: SourceFile) -> [[String: Any]] {
        definitions.compactMap { d in
            let kind: Int
            switch d.kind {
            case .model: kind = 5          // Class
            case .block: kind = 23         // Struct
            case .function: kind = 12      // Function
            case .trainBlock: kind = 24    // Event
            case .data: kind = 13          // Variable
            default: return nil
            }
            return ["name": d.name, "detail": d.kind.rawValue, "kind": kind,
                    "range": source.lspRange(d.span), "selectionRange": source.lspRange(d.nameSpan),
                    "children": documentSymbols(d.children, in: source)]
        }
    }
}
