/// An error (or warning) about a script, pointing at the exact source span.
///
/// Rendered as
///
///     mlp.net:4:9: error: expected ')' after the arguments, found 'relu'
///       dense(128 relu
///             ^~~
///
/// with optional notes ("note: the model 'mlp' expects input [64]").
public struct Diagnostic: Error, Sendable, CustomStringConvertible {
    public enum Severity: String, Sendable { case error, warning, note }
    public var severity: Severity
    public var message: String
    public var span: SourceSpan?
    public var notes: [Diagnostic]

    public init(_ severity: Severity = .error, _ message: String, at span: SourceSpan?, notes: [Diagnostic] = []) {
        self.severity = severity
        self.message = message
        self.span = span
        self.notes = notes
    }

    public static func error(_ message: String, at span: SourceSpan?) -> Diagnostic { Diagnostic(.error, message, at: span) }

    /// The rendered text: location, message, the source line and a caret under the span.
    public var description: String { render(color: false) }

    public func render(color: Bool) -> String {
        let red = color ? "\u{1B}[1;31m" : "", bold = color ? "\u{1B}[1m" : "", cyan = color ? "\u{1B}[1;36m" : ""
        let reset = color ? "\u{1B}[0m" : ""
        let tint = severity == .error ? red : cyan
        guard let span else { return "\(tint)\(severity.rawValue):\(reset) \(bold)\(message)\(reset)" + renderNotes(color) }
        let (line, column) = span.file.location(of: span.start)
        var out = "\(bold)\(span):\(reset) \(tint)\(severity.rawValue):\(reset) \(bold)\(message)\(reset)\n"
        let fullLine = Array(span.file.line(line))
        // A very long line (generated code, a 60,000-term sum) is shown as a window
        // around the caret, marked with "…" where it is cut.
        let window = 160
        let first = fullLine.count > window ? Swift.max(0, Swift.min(column - 1 - 60, fullLine.count - window)) : 0
        let last = Swift.min(fullLine.count, first + window)
        let lead = first > 0 ? "…" : ""
        let source = lead + String(fullLine[first..<last]) + (last < fullLine.count ? "…" : "")
        out += "  " + source + "\n"
        let (endLine, endColumn) = span.file.location(of: span.end)
        let shownColumn = column - first + lead.count
        let available = Swift.max(1, source.count - shownColumn + 1)
        let width = Swift.min(available, endLine == line ? Swift.max(1, endColumn - column) : Swift.max(1, fullLine.count - column + 1))
        let pad = String(source.prefix(shownColumn - 1).map { $0 == "\t" ? "\t" : " " })
        out += "  " + pad + tint + "^" + String(repeating: "~", count: width - 1) + reset
        return out + renderNotes(color)
    }

    private func renderNotes(_ color: Bool) -> String {
        notes.map { "\n" + $0.render(color: color) }.joined()
    }
}

/// Several diagnostics from one run (the parser recovers and reports more than one).
public struct DiagnosticList: Error, Sendable, CustomStringConvertible {
    public var diagnostics: [Diagnostic]
    public init(_ diagnostics: [Diagnostic]) { self.diagnostics = diagnostics }
    public var description: String { diagnostics.map(\.description).joined(separator: "\n") }
}
