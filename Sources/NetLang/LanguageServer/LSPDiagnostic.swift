/// A NetLang diagnostic as an LSP Diagnostic: its span as the range, its severity, and its
/// notes ("note: defined here") as related information where they have a location.
enum LSPDiagnostic {
    static func json(_ d: Diagnostic, in source: SourceFile, uri: String) -> [String: Any] {
        func location(_ span: SourceSpan) -> [String: Any] {
            ["uri": span.file === source ? uri : OpenDocument.uri(of: span.file.name), "range": span.file.lspRange(span)]
        }
        var message = d.message
        var range: [String: Any] = ["start": ["line": 0, "character": 0], "end": ["line": 0, "character": 0]]
        var related: [[String: Any]] = []
        if let span = d.span {
            if span.file === source {
                range = source.lspRange(span)
            } else {
                // An error inside an imported file: shown at the top, pointing there.
                message = "in \(span): \(message)"
                related.append(["location": location(span), "message": d.message])
            }
        }
        for note in d.notes {
            if let span = note.span {
                related.append(["location": location(span), "message": note.message])
            } else {
                message += "\nnote: " + note.message
            }
        }
        var json: [String: Any] = ["range": range, "severity": severity(d.severity), "source": "netl", "message": message]
        if !related.isEmpty { json["relatedInformation"] = related }
        return json
    }

    /// LSP DiagnosticSeverity: 1 error, 2 warning, 3 information.
    static func severity(_ s: Diagnostic.Severity) -> Int {
        switch s {
        case .error: 1
        case .warning: 2
        case .note: 3
        }
    }
}
