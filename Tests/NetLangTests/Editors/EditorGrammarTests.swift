import Foundation
import NetLang
import XCTest

/// The editor grammars colour exactly the language's words: the lexer's keywords and
/// train words, the layer catalog and the built-in name table (EditorVocabulary). They
/// are written by scripts/editor_grammars.py; this fails when a word is added to the
/// language and the script was not run (or a grammar was edited by hand).
final class EditorGrammarTests: XCTestCase {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()
    static let fix = "run `swift build --product netl && python3 scripts/editor_grammars.py`"

    private var expected: [String: [String]] {
        ["keywords": EditorVocabulary.keywords, "train_words": EditorVocabulary.trainWords,
         "layers": EditorVocabulary.layers, "builtins": EditorVocabulary.builtins]
    }

    func testVimSyntaxListsTheLanguagesWords() throws {
        let text = try String(contentsOf: Self.root.appendingPathComponent("editors/vim/syntax/netlang.vim"), encoding: .utf8)
        // Join Vim's continuation lines ("\n      \ ").
        let joined = text.replacingOccurrences(of: #"\n\s*\\ "#, with: " ", options: .regularExpression)
        func keywords(_ group: String) -> [String] {
            joined.split(separator: "\n").filter { $0.hasPrefix("syn keyword \(group) ") }
                .flatMap { $0.split(separator: " ").dropFirst(3).map(String.init) }
        }
        XCTAssertEqual(keywords("netlangKeyword"), expected["keywords"], Self.fix)
        XCTAssertEqual(keywords("netlangLayer"), expected["layers"], Self.fix)
        XCTAssertEqual(keywords("netlangBuiltin"), expected["builtins"], Self.fix)
        let train = String(joined.split(separator: "\n").first { $0.hasPrefix("syn match netlangTrainWord ") } ?? "")
        let alternatives = train.components(separatedBy: #"\%("#).dropFirst().first?.components(separatedBy: #"\)"#).first
        XCTAssertEqual(alternatives?.components(separatedBy: #"\|"#), expected["train_words"], Self.fix)
    }

    func testTextMateGrammarListsTheLanguagesWords() throws {
        let data = try Data(contentsOf: Self.root.appendingPathComponent("editors/vscode/syntaxes/netlang.tmLanguage.json"))
        let grammar = try XCTUnwrap(JSONSerialization.jsonObject(with: data) as? [String: Any])
        let repository = try XCTUnwrap(grammar["repository"] as? [String: [String: Any]])
        func words(_ rule: String) -> [String]? {
            guard let match = repository[rule]?["match"] as? String, let open = match.range(of: #"\b("#),
                  let close = match.range(of: #")\b"#) else { return nil }
            return match[open.upperBound..<close.lowerBound].components(separatedBy: "|")
        }
        XCTAssertEqual(words("keywords"), expected["keywords"], Self.fix)
        XCTAssertEqual(words("train-words"), expected["train_words"], Self.fix)
        XCTAssertEqual(words("layers"), expected["layers"], Self.fix)
        XCTAssertEqual(words("builtins"), expected["builtins"], Self.fix)
        // Every rule the top level includes exists.
        for include in (grammar["patterns"] as? [[String: String]] ?? []).compactMap({ $0["include"] }) {
            XCTAssertNotNil(repository[String(include.dropFirst())], include)
        }
    }

    /// The built-in list is the interpreter's whole name table (every name of which is
    /// described), and no layer is listed twice.
    func testBuiltinListIsTheDispatchTable() {
        let described = Set(BuiltinDescriptions.all.map(\.name))
        XCTAssertEqual(Set(EditorVocabulary.builtins).subtracting(described), [], "built-ins without a description")
        XCTAssertEqual(described.subtracting(EditorVocabulary.builtins).subtracting(EditorVocabulary.layers), [], "described names the grammars miss")
        XCTAssertTrue(Set(EditorVocabulary.builtins).isDisjoint(with: EditorVocabulary.layers))
        for name in ["load_digits", "save_chart", "flow_nll", "cross_entropy"] { XCTAssertTrue(EditorVocabulary.builtins.contains(name), name) }
    }
}
