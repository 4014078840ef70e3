import Foundation
import XCTest

/// `netl lsp` driven over pipes with real JSON-RPC messages, as an editor would.
final class LanguageServerTests: XCTestCase {
    static let script = """
    # a small script
    let width = 16
    data d = load_digits(test: 0.2, seed: 0)
    model mlp(input: [64]) {
      dense(width) relu
      dense(10)
    }
    fn twice(v) = 2 * v
    train mlp on d.train {
      loss cross_entropy(mlp(x), y)
      optimizer adam(lr: 1e-3)
      epochs 1  batch 64
    }
    print twice(width)

    """

    private var folder: URL!
    private var uri: String!

    override func setUpWithError() throws {
        try requireNetl()
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("netl-lsp-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let file = folder.appendingPathComponent("small.net")
        try Self.script.write(to: file, atomically: true, encoding: .utf8)
        uri = file.absoluteString
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: folder) }

    private func start(_ client: LSPTestClient, text: String = script) throws {
        let reply = try client.request("initialize", ["processId": NSNull(), "rootUri": NSNull(), "capabilities": [:] as [String: Any]])
        let capabilities = (reply["result"] as? [String: Any])?["capabilities"] as? [String: Any]
        XCTAssertEqual(capabilities?["hoverProvider"] as? Bool, true)
        XCTAssertEqual(capabilities?["definitionProvider"] as? Bool, true)
        XCTAssertEqual((capabilities?["textDocumentSync"] as? [String: Any])?["change"] as? Int, 1)
        try client.notify("initialized", [:])
        try client.notify("textDocument/didOpen", ["textDocument": ["uri": uri!, "languageId": "netlang", "version": 1, "text": text]])
    }

    /// `shutdown` then `exit`: the server answers and exits with 0.
    private func finish(_ client: LSPTestClient, file: StaticString = #filePath, line: UInt = #line) throws {
        XCTAssertNil(try client.request("shutdown")["error"], file: file, line: line)
        XCTAssertEqual(try client.exit(), 0, file: file, line: line)
    }

    /// Opens the script (after initialize) and returns the first diagnostics.
    private func startAndCheck(_ client: LSPTestClient, text: String = script) throws -> [[String: Any]] {
        try start(client, text: text)
        return try client.diagnostics()
    }

    private func change(_ client: LSPTestClient, _ text: String, version: Int) throws {
        try client.notify("textDocument/didChange", ["textDocument": ["uri": uri!, "version": version], "contentChanges": [["text": text]]])
    }

    func testDiagnosticsFollowEveryChangeWithRangesSeveritiesAndNotes() throws {
        let client = try LSPTestClient()
        try start(client)
        XCTAssertEqual(try client.diagnostics().count, 0, "the script is correct")

        // A misspelt layer: an error on exactly the misspelt word, with a suggestion.
        let misspelt = Self.script.replacingOccurrences(of: "dense(width)", with: "dence(width)")
        try change(client, misspelt, version: 2)
        var diagnostics = try client.diagnostics()
        XCTAssertEqual(diagnostics.count, 1, "\(diagnostics)")
        let at = lspLocation(of: "dence", in: misspelt)
        XCTAssertEqual(diagnostics.first?["severity"] as? Int, 1)
        XCTAssertEqual(diagnostics.first?["range"] as? NSDictionary,
                       ["start": ["line": at.line, "character": at.character], "end": ["line": at.line, "character": at.character + 5]] as NSDictionary)
        XCTAssertTrue((diagnostics.first?["message"] as? String)?.contains("did you mean 'dense'") == true, "\(diagnostics)")

        // An unclosed parenthesis: the note "'(' opened here" becomes related information.
        let unclosed = Self.script.replacingOccurrences(of: "print twice(width)", with: "print twice(width\nlet z = 1")
        try change(client, unclosed, version: 3)
        diagnostics = try client.diagnostics()
        XCTAssertEqual(diagnostics.count, 1, "\(diagnostics)")
        let related = diagnostics.first?["relatedInformation"] as? [[String: Any]]
        XCTAssertEqual(related?.first?["message"] as? String, "'(' opened here")
        let location = related?.first?["location"] as? [String: Any]
        XCTAssertEqual(location?["uri"] as? String, uri)
        let paren = lspLocation(of: "twice(width", in: unclosed, offset: 5)
        XCTAssertEqual((location?["range"] as? [String: Any])?["start"] as? NSDictionary,
                       ["line": paren.line, "character": paren.character] as NSDictionary)

        // A shape error found by building the model (check mode), not by parsing.
        let shapes = Self.script.replacingOccurrences(of: "input: [64]", with: "input: [63]")
        try change(client, shapes, version: 4)
        diagnostics = try client.diagnostics()
        XCTAssertEqual(diagnostics.count, 1, "\(diagnostics)")
        XCTAssertEqual(diagnostics.first?["severity"] as? Int, 1)

        // Fixed again: the diagnostics are cleared.
        try change(client, Self.script, version: 5)
        XCTAssertEqual(try client.diagnostics().count, 0)

        try finish(client)
    }

    /// Changes that arrive together (fast typing) cost one check, of the last text.
    func testABurstOfChangesIsCheckedOnce() throws {
        let client = try LSPTestClient()
        try start(client)
        XCTAssertEqual(try client.diagnostics().count, 0)
        try client.notifyAtOnce((1...5).map { k in
            ("textDocument/didChange", ["textDocument": ["uri": uri!, "version": k + 1],
                                        "contentChanges": [["text": Self.script.replacingOccurrences(of: "dense(10)", with: "dence\(k)(10)")]]])
        })
        let diagnostics = try client.diagnostics()
        XCTAssertEqual(diagnostics.count, 1)
        XCTAssertTrue((diagnostics.first?["message"] as? String)?.contains("'dence5'") == true, "\(diagnostics)")
        _ = try client.request("textDocument/documentSymbol", ["textDocument": ["uri": uri!]])
        XCTAssertEqual(client.notifications.count, 0, "one check for five changes: \(client.notifications)")
        try finish(client)
    }

    func testHoverCompletionDefinitionAndSymbols() throws {
        let client = try LSPTestClient()
        _ = try startAndCheck(client)
        let text = Self.script

        func hover(_ needle: String, offset: Int = 1) throws -> String {
            let p = lspLocation(of: needle, in: text, offset: offset)
            let reply = try client.request("textDocument/hover", lspPosition(uri, line: p.line, character: p.character))
            return ((reply["result"] as? [String: Any])?["contents"] as? [String: Any])?["value"] as? String ?? ""
        }
        // A built-in: signature, summary and example from its description.
        let crossEntropy = try hover("cross_entropy")
        XCTAssertTrue(crossEntropy.contains("cross_entropy(") && crossEntropy.contains("Example:"), crossEntropy)
        // A layer: signature and shape rule from the catalog.
        let dense = try hover("dense(10)")
        XCTAssertTrue(dense.contains("layer dense(units") && dense.contains("Shape:"), dense)
        // A model: its summary table, as check mode built it.
        let model = try hover("mlp(x)")
        XCTAssertTrue(model.contains("total parameters: 1210"), model)
        // A variable and a data set: type and shape.
        XCTAssertTrue(try hover("width)").contains("number"))
        XCTAssertTrue(try hover("d.train", offset: 0).contains("data set"))

        func completion(after needle: String, in text: String) throws -> [String] {
            let p = lspLocation(of: needle, in: text, offset: needle.utf16.count)
            let reply = try client.request("textDocument/completion", lspPosition(uri, line: p.line, character: p.character))
            let items = (reply["result"] as? [String: Any])?["items"] as? [[String: Any]] ?? []
            return items.compactMap { $0["label"] as? String }
        }
        // Names in scope, layers and built-ins by prefix.
        XCTAssertTrue(try completion(after: "print tw", in: text.replacingOccurrences(of: "print twice", with: "print tw")).contains("twice"))
        var edited = text.replacingOccurrences(of: "  dense(10)", with: "  den")
        try change(client, edited, version: 2)
        _ = try client.diagnostics()
        XCTAssertTrue(try completion(after: "  den", in: edited).contains("dense"))
        // Record fields after a dot, from the value the check computed.
        edited = text.replacingOccurrences(of: "on d.train", with: "on d.tr")
        try change(client, edited, version: 3)
        _ = try client.diagnostics()
        XCTAssertEqual(try completion(after: "on d.tr", in: edited), ["train"])
        // Argument names inside a described built-in's call.
        edited = text.replacingOccurrences(of: "adam(lr: 1e-3)", with: "adam(lr: 1e-3, ")
        try change(client, edited, version: 4)
        _ = try client.diagnostics()
        let arguments = try completion(after: "adam(lr: 1e-3, ", in: edited)
        XCTAssertTrue(arguments.contains("weight_decay:") && !arguments.contains("lr:"), "\(arguments)")
        try change(client, text, version: 5)
        _ = try client.diagnostics()

        // Go to definition: a variable, a function, a model.
        for (use, definition) in [("width)", "width ="), ("twice(width)", "twice(v)"), ("mlp on", "mlp(input")] {
            let p = lspLocation(of: use, in: text, offset: 1)
            let reply = try client.request("textDocument/definition", lspPosition(uri, line: p.line, character: p.character))
            let result = reply["result"] as? [String: Any]
            let target = lspLocation(of: definition, in: text)
            XCTAssertEqual(result?["uri"] as? String, uri)
            XCTAssertEqual((result?["range"] as? [String: Any])?["start"] as? NSDictionary,
                           ["line": target.line, "character": target.character] as NSDictionary, use)
        }

        // The outline: the data set, the model, the function and the train block.
        let symbols = try client.request("textDocument/documentSymbol", ["textDocument": ["uri": uri!]])["result"] as? [[String: Any]] ?? []
        XCTAssertEqual(symbols.compactMap { $0["name"] as? String }, ["d", "mlp", "twice", "train mlp"])
        XCTAssertEqual(symbols.compactMap { $0["kind"] as? Int }, [13, 5, 12, 24])

        try finish(client)
    }

    func testImportsGoToTheImportedFile() throws {
        let library = folder.appendingPathComponent("lib.net")
        try "fn square(v) = v * v\n".write(to: library, atomically: true, encoding: .utf8)
        let text = "import \"lib.net\"\nprint square(3)\n"
        let client = try LSPTestClient()
        try start(client, text: text)
        XCTAssertEqual(try client.diagnostics().count, 0)
        for (line, character) in [(0, 9), (1, 8)] {
            let result = try client.request("textDocument/definition", lspPosition(uri, line: line, character: character))["result"] as? [String: Any]
            XCTAssertEqual(result?["uri"] as? String, library.absoluteString)
        }
        try finish(client)
    }

    /// A script that would take long to check is cut off with a located warning, and the
    /// server answers the next request.
    func testALongCheckIsCutOffByTheTimeBudget() throws {
        let client = try LSPTestClient(arguments: ["--time-budget", "0.5"])
        // Check mode runs at most 1,000 iterations of a loop; three nested ones are 10⁹ steps.
        let text = "let total = 0\nrepeat 1000 {\n  repeat 1000 {\n    repeat 1000 { total = total + 1 }\n  }\n}\nprint total\n"
        let started = Date()
        try start(client, text: text)
        let diagnostics = try client.diagnostics()
        XCTAssertLessThan(Date().timeIntervalSince(started), 30)
        XCTAssertEqual(diagnostics.count, 1, "\(diagnostics)")
        XCTAssertEqual(diagnostics.first?["severity"] as? Int, 2)
        XCTAssertTrue((diagnostics.first?["message"] as? String)?.contains("time budget") == true, "\(diagnostics)")
        XCTAssertNotNil(try client.request("textDocument/hover", lspPosition(uri, line: 0, character: 5))["result"])
        try finish(client)
    }

    /// Unknown methods get the JSON-RPC error; `exit` without `shutdown` exits with 1.
    func testProtocolErrors() throws {
        let client = try LSPTestClient()
        _ = try startAndCheck(client)
        let reply = try client.request("textDocument/rename", lspPosition(uri, line: 0, character: 0))
        XCTAssertEqual((reply["error"] as? [String: Any])?["code"] as? Int, -32601)
        client.writeRaw(Data("Content-Length: 5\r\n\r\nnope!".utf8))
        XCTAssertEqual((try client.read()["error"] as? [String: Any])?["code"] as? Int, -32700)
        XCTAssertEqual(try client.exit(), 1)
    }
}
