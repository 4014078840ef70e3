import ArgumentParser
import Foundation
import NetLang

/// `netl vocabulary`: the keywords, train words, layers and built-ins as JSON, for
/// scripts/editor_grammars.py, which writes them into the editor grammars.
struct VocabularyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "vocabulary",
                                                    abstract: "Print the language's keywords, layers and built-ins as JSON (for editor grammars).",
                                                    shouldDisplay: false)

    func run() throws {
        let words: [String: [String]] = ["keywords": EditorVocabulary.keywords, "train_words": EditorVocabulary.trainWords,
                                         "layers": EditorVocabulary.layers, "builtins": EditorVocabulary.builtins]
        let data = try JSONSerialization.data(withJSONObject: words, options: [.prettyPrinted, .sortedKeys])
        print(String(decoding: data, as: UTF8.self))
    }
}
