/// The words the editor grammars colour (editors/vscode, editors/vim): generated from the
/// language itself by `netl vocabulary` (scripts/editor_grammars.py writes them into the
/// grammar files) and compared with the grammars by EditorGrammarTests, so they cannot
/// drift from the lexer and the catalogues.
public enum EditorVocabulary {
    /// Reserved words (the lexer's `Keyword`).
    public static var keywords: [String] { Keyword.allCases.map(\.rawValue) }
    /// Words with a meaning at the start of a train item (`TrainWord`), not reserved.
    public static var trainWords: [String] { TrainWord.allCases.map(\.rawValue) }
    /// The built-in layers (LayerCatalog).
    public static var layers: [String] { LayerCatalog.names }
    /// Every built-in function the interpreter installs — the name table it dispatches on
    /// (`Builtins.all`), described or not yet — minus the names that are also layers.
    public static var builtins: [String] {
        let layers = Set(self.layers)
        return Builtins.all.map(\.0).filter { !layers.contains($0) }
    }
}
