import Dispatch
import Foundation
import NetRuntime

/// What checking a document gave the editor: the diagnostics, and the session the check
/// ran in (its global names, models and values as far as the check got), which hover and
/// completion read afterwards.
public struct EditorCheck {
    public let source: SourceFile
    public let diagnostics: [Diagnostic]
    public let session: Interpreter
    /// The check was stopped by the time budget before the end of the script.
    public let timedOut: Bool
}

extension EditorCheck {
    /// Runs `netl check`'s pipeline (parse, resolve, build models and compile training
    /// steps in `checkOnly` mode: nothing trains, evaluates or writes a file) on `source`,
    /// stopping it after `budget` seconds through the interrupt flag the interpreter polls
    /// at every statement and expression.
    ///
    /// This is the one place the language server calls the check pipeline
    /// (`runCheckPipeline`); a different way of running `netl check` changes only it.
    public static func run(_ source: SourceFile, baseDirectory: String, budget: Double) -> EditorCheck {
        Interruption.clear()
        let watchdog = DispatchWorkItem { Interruption.request() }
        DispatchQueue.global().asyncAfter(deadline: .now() + budget, execute: watchdog)
        let (session, error) = runCheckPipeline(source, baseDirectory: baseDirectory)
        watchdog.cancel()
        var diagnostics: [Diagnostic]
        switch error {
        case nil: diagnostics = []
        case let list as DiagnosticList: diagnostics = list.diagnostics
        case let d as Diagnostic: diagnostics = [d]
        case let other?: diagnostics = [Diagnostic.error("\(other)", at: nil)]
        }
        let timedOut = diagnostics.contains { $0.message == "interrupted" }
        diagnostics = diagnostics.map { d in
            guard d.message == "interrupted" else { return d }
            return Diagnostic(.warning, "the check stopped here after \(formatSeconds(budget)) (the editor's time budget, netl lsp --time-budget); later errors are not shown — run `netl check` for the whole script",
                              at: d.span)
        }
        Interruption.clear()
        return EditorCheck(source: source, diagnostics: diagnostics, session: session, timedOut: timedOut)
    }

    /// `netl check` on one file, quietly: the session and the error the run ended with.
    static func runCheckPipeline(_ source: SourceFile, baseDirectory: String) -> (Interpreter, Error?) {
        let session = Interpreter(seed: 0, baseDirectory: baseDirectory)
        session.checkOnly = true
        session.output = { _ in }
        session.progress.enabled = false
        do { try session.run(source) } catch { return (session, error) }
        return (session, nil)
    }

    private static func formatSeconds(_ s: Double) -> String {
        s == s.rounded() ? "\(Int(s)) s" : "\(s) s"
    }
}
