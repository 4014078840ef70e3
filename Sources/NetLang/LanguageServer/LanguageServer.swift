import Foundation

/// `netl lsp`: a language server (LSP 3.17) over a pair of file descriptors. Requests are
/// answered in the order they arrive. An opened or changed document is parsed at once and
/// checked (EditorCheck, at most `timeBudget` seconds) when no other message is waiting —
/// so a burst of keystrokes costs one check, of the last text — or before a hover or
/// completion needs its values; then its diagnostics are published.
public final class LanguageServer {
    private let send: ([String: Any]) -> Void
    private var documents: [String: OpenDocument] = [:]
    private var shutdownRequested = false
    /// Documents opened or changed since their last check, in order.
    private var unchecked: [String] = []
    /// Seconds a check may take before it is cut off with a diagnostic.
    public var timeBudget: Double

    public init(timeBudget: Double = 5, send: @escaping ([String: Any]) -> Void) {
        self.timeBudget = timeBudget
        self.send = send
    }

    /// Serves until the client's `exit` notification or the end of the input; returns the
    /// process's exit code (0 after `shutdown` then `exit`, 1 otherwise, as LSP asks).
    public static func serve(input: Int32, output: Int32, timeBudget: Double) -> Int32 {
        let reader = MessageReader(fileDescriptor: input)
        let writer = MessageWriter(fileDescriptor: output)
        let server = LanguageServer(timeBudget: timeBudget) { writer.send($0) }
        while let body = reader.next() {
            guard let message = (try? JSONSerialization.jsonObject(with: body)) as? [String: Any] else {
                writer.send(["jsonrpc": "2.0", "id": NSNull(), "error": ["code": -32700, "message": "parse error: the message is not a JSON object"]])
                continue
            }
            if let code = server.handle(message) { return code }
            if !reader.hasWaitingMessage() { server.checkChangedDocuments() }
        }
        return 1
    }

    /// Handles one message; the exit code once the client sent `exit`, else nil.
    public func handle(_ message: [String: Any]) -> Int32? {
        let method = message["method"] as? String ?? ""
        let params = message["params"] as? [String: Any] ?? [:]
        let id = message["id"]
        if method == "exit" { return shutdownRequested ? 0 : 1 }
        guard let id else { notification(method, params); return nil }
        do {
            let result = try request(method, params)
            send(["jsonrpc": "2.0", "id": id, "result": result])
        } catch let error as ResponseError {
            send(["jsonrpc": "2.0", "id": id, "error": ["code": error.code, "message": error.message]])
        } catch {
            send(["jsonrpc": "2.0", "id": id, "error": ["code": -32603, "message": "\(error)"]])
        }
        return nil
    }

    struct ResponseError: Error {
        let code: Int
        let message: String
    }

    private func request(_ method: String, _ params: [String: Any]) throws -> Any {
        switch method {
        case "initialize":
            if let options = params["initializationOptions"] as? [String: Any], let budget = options["timeBudget"] as? Double, budget > 0 {
                timeBudget = budget
            }
            return [
                "capabilities": [
                    "positionEncoding": "utf-16",
                    "textDocumentSync": ["openClose": true, "change": 1],
                    "hoverProvider": true,
                    "completionProvider": ["triggerCharacters": [".", "(", ","]],
                    "definitionProvider": true,
                    "documentSymbolProvider": true,
                ] as [String: Any],
                "serverInfo": ["name": "netl lsp", "version": "0.1.0"],
            ] as [String: Any]
        case "shutdown":
            shutdownRequested = true
            documents.removeAll()
            unchecked.removeAll()
            return NSNull()
        case "textDocument/hover":
            let (document, offset) = try position(params)
            checkIfChanged(document)
            return hover(document, offset) ?? NSNull()
        case "textDocument/completion":
            let (document, offset) = try position(params)
            checkIfChanged(document)
            return completion(document, offset)
        case "textDocument/definition":
            let (document, offset) = try position(params)
            return definition(document, offset) ?? NSNull()
        case "textDocument/documentSymbol":
            let document = try self.document(params)
            return documentSymbols(document.index.definitions, in: document.source)
        default:
            throw ResponseError(code: -32601, message: "method not found: \(method)")
        }
    }

    private func notification(_ method: String, _ params: [String: Any]) {
        let textDocument = params["textDocument"] as? [String: Any] ?? [:]
        guard let uri = textDocument["uri"] as? String else { return }
        switch method {
        case "textDocument/didOpen":
            guard let text = textDocument["text"] as? String else { return }
            open(uri, text)
        case "textDocument/didChange":
            // Full synchronisation: the last change holds the whole text.
            guard let changes = params["contentChanges"] as? [[String: Any]], let text = changes.last?["text"] as? String else { return }
            open(uri, text)
        case "textDocument/didClose":
            documents[uri] = nil
            unchecked.removeAll { $0 == uri }
            send(["jsonrpc": "2.0", "method": "textDocument/publishDiagnostics", "params": ["uri": uri, "diagnostics": [] as [Any]]])
        default:
            break   // initialized, didSave, $/cancelRequest, …: nothing to do
        }
    }

    private func open(_ uri: String, _ text: String) {
        documents[uri] = OpenDocument(uri: uri, text: text)
        if !unchecked.contains(uri) { unchecked.append(uri) }
    }

    /// Checks every document changed since its last check and publishes its diagnostics.
    public func checkChangedDocuments() {
        for uri in unchecked { if let document = documents[uri] { check(document) } }
        unchecked.removeAll()
    }

    private func checkIfChanged(_ document: OpenDocument) {
        guard unchecked.contains(document.uri) else { return }
        unchecked.removeAll { $0 == document.uri }
        check(document)
    }

    private func check(_ document: OpenDocument) {
        let check = EditorCheck.run(document.source, baseDirectory: document.baseDirectory, budget: timeBudget)
        document.check = check
        let diagnostics = check.diagnostics.map { LSPDiagnostic.json($0, in: document.source, uri: document.uri) }
        send(["jsonrpc": "2.0", "method": "textDocument/publishDiagnostics",
              "params": ["uri": document.uri, "diagnostics": diagnostics] as [String: Any]])
    }

    private func document(_ params: [String: Any]) throws -> OpenDocument {
        guard let uri = (params["textDocument"] as? [String: Any])?["uri"] as? String else {
            throw ResponseError(code: -32602, message: "missing textDocument.uri")
        }
        guard let document = documents[uri] else { throw ResponseError(code: -32602, message: "\(uri) is not open") }
        return document
    }

    private func position(_ params: [String: Any]) throws -> (OpenDocument, Int) {
        let document = try self.document(params)
        guard let position = params["position"] as? [String: Any], let line = position["line"] as? Int,
              let character = position["character"] as? Int else {
            throw ResponseError(code: -32602, message: "missing position")
        }
        return (document, document.source.offset(line: line, character: character))
    }
}
