import ArgumentParser
import CReadline
import Foundation
import NetLang

/// `netl repl` (and `netl` alone): an interactive session on GNU readline, or reading
/// piped standard input line by line.
struct ReplCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "repl", abstract: "Start an interactive NetLang session.")
    @Option(help: "Seed of initialisation, shuffling and random draws.") var seed: UInt64 = 0

    func run() throws {
        let session = ReplSession(interpreter: Interpreter(seed: seed))
        session.start()
    }
}

/// The read–eval–print loop; separate from the command so tests can drive it with text.
final class ReplSession {
    let interpreter: Interpreter
    let interactive: Bool
    private let historyPath = (NSHomeDirectory() as NSString).appendingPathComponent(".netl_history")
    private var counter = 0

    init(interpreter: Interpreter) {
        self.interpreter = interpreter
        interactive = netl_stdin_is_tty() != 0
    }

    static let help = """
    NetLang REPL — type statements or expressions; definitions persist.
      :help            this text
      :load FILE       run a script in this session
      :shape EXPR      the shape of an expression's value
      :summary MODEL   a model's layers, output shapes and parameters
      :layers          the built-in layers with their arguments and shape rules
      :reset           forget every definition
      :quit            leave (also Ctrl-D)
    Multi-line input continues while ( [ { are open. Tab completes names.
    """

    func start() {
        if interactive {
            _ = netl_read_history(historyPath)
            print("NetLang 0.1 — :help for commands, :quit to leave")
        }
        while let chunk = readChunk() {
            if !handle(chunk) { break }
        }
        if interactive { _ = netl_write_history(historyPath) }
    }

    /// Reads one complete input (several lines while brackets are open); nil at the end.
    private func readChunk() -> String? {
        var text = ""
        while true {
            updateCompletions()
            guard let line = readLine(prompt: text.isEmpty ? "netl> " : "  ... ") else {
                return text.isEmpty ? nil : text
            }
            text += (text.isEmpty ? "" : "\n") + line
            if text.hasPrefix(":") || !needsMoreInput(text) {
                if interactive { netl_add_history(text) }
                return text
            }
        }
    }

    private func readLine(prompt: String) -> String? {
        if interactive {
            guard let raw = netl_readline(prompt) else { return nil }
            defer { netl_free_line(raw) }
            return String(cString: raw)
        }
        return Swift.readLine(strippingNewline: true)
    }

    private func updateCompletions() {
        guard interactive else { return }
        let words = Set(replKeywords + interpreter.globals.allNames + [":help", ":load", ":shape", ":summary", ":layers", ":reset", ":quit"])
        let list = words.sorted().joined(separator: "\0") + "\0\0"
        list.withCString { netl_set_completions($0) }
    }

    /// Runs one input; false to leave.
    func handle(_ text: String) -> Bool {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        if trimmed.isEmpty { return true }
        if trimmed.hasPrefix(":") { return command(trimmed) }
        counter += 1
        let file = SourceFile(name: "<repl:\(counter)>", text: text)
        do {
            interpreter.lastValue = nil
            try interpreter.run(file)
            if let v = interpreter.lastValue, case .none = v {} else if let v = interpreter.lastValue {
                print(interpreter.display(v))
            }
        } catch {
            _ = report(error)
        }
        return true
    }

    private func command(_ text: String) -> Bool {
        let parts = text.split(separator: " ", maxSplits: 1).map(String.init)
        let argument = parts.count > 1 ? parts[1].trimmingCharacters(in: .whitespaces) : ""
        switch parts[0] {
        case ":quit", ":q", ":exit": return false
        case ":help", ":h": print(Self.help)
        case ":reset": interpreter.reset(); print("all definitions cleared")
        case ":layers": print(Self.layerList())
        case ":load":
            guard !argument.isEmpty, let source = try? String(contentsOfFile: argument, encoding: .utf8) else {
                print("error: cannot read '\(argument)'"); return true
            }
            do { try interpreter.run(SourceFile(name: argument, text: source)) } catch { _ = report(error) }
        case ":shape", ":summary":
            let file = SourceFile(name: "<repl>", text: argument)
            let (expression, diagnostics) = parseExpression(file)
            guard diagnostics.isEmpty, let expression else { _ = report(DiagnosticList(diagnostics)); return true }
            do {
                let v = try interpreter.evaluate(expression, in: interpreter.globals)
                if parts[0] == ":summary" {
                    guard case let .model(m) = v else { print("error: '\(argument)' is not a model"); return true }
                    print(m.model.summary())
                } else {
                    print(interpreter.shapeDescription(v))
                }
            } catch { _ = report(error) }
        default:
            print("unknown command \(parts[0]); :help lists the commands")
        }
        return true
    }
}

extension ReplSession {
    /// The layer catalog as a two-column list: signature, then shape rule and what the
    /// layer accepts besides its arguments.
    static func layerList() -> String {
        let rows = LayerCatalog.all.map { d in
            (d.signature, d.shapeRule + (d.acceptsLipschitz ? "; takes lipschitz(…)" : ""))
        }
        let width = rows.map(\.0.count).max() ?? 0
        return rows.map { $0.0 + String(repeating: " ", count: width - $0.0.count) + "  " + $0.1 }.joined(separator: "\n")
    }
}

/// Words offered by tab completion besides the bound names.
let replKeywords = ["import", "let", "fn", "block", "model", "data", "train", "on", "print", "repeat", "for", "in",
                    "if", "else", "return", "save", "to", "load", "from", "residual", "lipschitz", "loss", "minimize",
                    "maximize", "over", "optimizer", "schedule", "epochs", "steps", "batch", "shuffle", "log", "validate",
                    "true", "false", "and", "or", "not"] + LayerCatalog.names
