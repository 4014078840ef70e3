import ArgumentParser
import CReadline
import Foundation
import NetLang
import NetRuntime

/// `netl repl` (and `netl` alone): an interactive session on GNU readline, or reading
/// piped standard input line by line.
struct ReplCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "repl", abstract: "Start an interactive NetLang session.")
    @Option(help: "Seed of initialisation, shuffling and random draws.") var seed: UInt64 = 0
    @Flag(name: .customLong("allow-nonfinite"), help: "Load checkpoints whose weights hold NaN or infinity.")
    var allowNonFinite = false
    @Option(name: .customLong("out"), help: ArgumentHelp("Folder for every file the session writes (pictures, checkpoints); default: the working directory.",
                                                          valueName: "DIR")) var outputDirectory: String?
    @Option(name: .customLong("memory-limit"), help: ArgumentHelp("Memory the session may use (e.g. 4G); larger allocations are 'out of memory' errors.",
                                                                  valueName: "SIZE")) var memoryLimit: String?

    func run() throws {
        try applyMemoryLimit(memoryLimit)
        let interpreter = Interpreter(seed: seed, outputDirectory: outputDirectory)
        interpreter.allowsNonFiniteWeights = allowNonFinite
        let session = ReplSession(interpreter: interpreter)
        session.start()
    }
}

/// The read–eval–print loop; separate from the command so tests can drive it with text.
final class ReplSession {
    let interpreter: Interpreter
    let interactive: Bool
    /// ~/.netl_history, where ~ is $HOME (falling back to the account's home folder).
    private let historyPath = ((ProcessInfo.processInfo.environment["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? NSHomeDirectory())
                               as NSString).appendingPathComponent(".netl_history")
    private var counter = 0

    init(interpreter: Interpreter) {
        self.interpreter = interpreter
        interactive = netl_stdin_is_tty() != 0
        // Warnings (a redefinition discarding a trained model's weights) go where errors go.
        interpreter.warning = { d in
            fflush(nil)
            FileHandle.standardError.write((d.render(color: isatty(2) != 0) + "\n").data(using: .utf8)!)
        }
    }

    static let help = """
    NetLang REPL — type statements or expressions; definitions persist.
      :help            this text
      :load FILE       run a script in this session
      :shape EXPR      the shape of an expression's value
      :summary MODEL   a model's layers, output shapes and parameters
      :layers          the built-in layers with their arguments and shape rules
      :reset [NAME…]   forget every definition (or only the names given)
      :out [DIR]       where written files go (pictures, checkpoints); no DIR: show it
      :quit            leave (also Ctrl-D)
    Multi-line input continues while ( [ { are open. Tab completes names, :commands,
    members after a dot (d.tr → d.train) and argument names inside a call.
    """

    /// Every entry is appended to the history file as soon as it is read, so history is
    /// kept however the session ends (Ctrl-D, :quit, a closed terminal, a kill).
    func start() {
        if interactive {
            _ = netl_read_history(historyPath)
            // Ctrl-C clears the line at the prompt and interrupts an evaluation (between
            // two statements, loop iterations, training or fixed-point steps); the session
            // and its bindings survive.
            netl_prepare_interrupts("netl> ")
            InterruptHandler.install { _ in
                Interruption.request()
                netl_note_interrupt()
            }
            print("NetLang 0.1 — :help for commands, :quit to leave")
        }
        while let chunk = readChunk() {
            if !handle(chunk) { break }
        }
    }

    /// Reads one complete input (several lines while brackets are open); nil at the end.
    private func readChunk() -> String? {
        var text = ""
        while true {
            updateCompletions()
            guard let line = readLine(prompt: text.isEmpty ? "netl> " : "  ... ") else {
                return text.isEmpty ? nil : text
            }
            // Ctrl-C while continuing a multi-line input abandons the whole input.
            if interactive && netl_line_was_interrupted() != 0 { text = "" }
            text += (text.isEmpty ? "" : "\n") + line
            if text.hasPrefix(":") || !needsMoreInput(text) {
                if interactive { _ = netl_append_history(text, historyPath) }
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

    /// The REPL's commands, offered after a ':' at the start of an input.
    static let commands = [":help", ":load", ":shape", ":summary", ":layers", ":reset", ":out", ":quit"]

    /// Tab completion: the shared engine (CompletionEngine, as the language server's) on
    /// the line before the cursor — commands, members after a dot (`d.tr` → `d.train`),
    /// argument names inside a described built-in's call, names.
    private func updateCompletions() {
        guard interactive else { return }
        let words = Set(replKeywords + interpreter.globals.allNames + Self.commands)
        let list = words.sorted().joined(separator: "\0") + "\0\0"
        list.withCString { netl_set_completions($0) }
        completingSession = interpreter
        netl_set_argument_completer { line, start, end in
            guard let line, let interpreter = completingSession else { return nil }
            let before = String(decoding: UnsafeBufferPointer(start: UnsafeRawPointer(line).assumingMemoryBound(to: UInt8.self), count: Int(end)), as: UTF8.self)
            let context = CompletionEngine.Context(names: interpreter.globals.allNames.sorted(),
                                                   members: { interpreter.memberNames(ofPath: $0) }, commands: ReplSession.commands)
            let names = CompletionEngine.readlineCandidates(line: before, wordStart: Int(start), context: context)
            argumentCompletionText = ContiguousArray((names.joined(separator: "\0") + "\0\0").utf8CString)
            return argumentCompletionText.withUnsafeBufferPointer { UnsafePointer($0.baseAddress) }
        }
    }

    /// Runs one input; false to leave.
    func handle(_ text: String) -> Bool {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        if trimmed.isEmpty { return true }
        if trimmed.hasPrefix(":") { return command(trimmed) }
        counter += 1
        let file = SourceFile(name: "<repl:\(counter)>", text: text)
        Interruption.clear()
        do {
            interpreter.lastValue = nil
            try interpreter.run(file)
            if let v = interpreter.lastValue, case .none = v {} else if let v = interpreter.lastValue {
                print(interpreter.display(v))
            }
        } catch {
            reportInRepl(error)
        }
        return true
    }

    /// Diagnostics; an interruption says that the session is intact.
    private func reportInRepl(_ error: Error) {
        if let d = error as? Diagnostic, d.message == "interrupted" {
            fflush(nil)
            FileHandle.standardError.write("interrupted (Ctrl-C); every definition is kept\n".data(using: .utf8)!)
            return
        }
        _ = report(error)
    }

    private func command(_ text: String) -> Bool {
        let parts = text.split(separator: " ", maxSplits: 1).map(String.init)
        let argument = parts.count > 1 ? parts[1].trimmingCharacters(in: .whitespaces) : ""
        switch parts[0] {
        case ":quit", ":q", ":exit": return false
        case ":help", ":h":
            if argument.isEmpty { print(Self.help) } else { print(Self.help(for: argument)) }
        case ":reset":
            // `:reset x y` forgets x and y only; a bare `:reset` forgets everything.
            guard !argument.isEmpty else { interpreter.reset(); print("all definitions cleared"); return true }
            for name in argument.split(separator: " ").map(String.init) {
                print(interpreter.reset(name) ? "\(name) cleared" : "error: '\(name)' is not defined")
            }
        case ":out":
            // `:out "dir"` and `:out dir` name the same folder; `:out ""` names none.
            var folder = argument
            if folder.count >= 2, folder.first == "\"", folder.last == "\"" { folder = String(folder.dropFirst().dropLast()) }
            if argument.isEmpty {
            } else if folder.isEmpty {
                print("error: :out needs a folder name"); return true
            } else {
                do { try Interpreter.prepareOutputDirectory(folder) } catch { print("error: \(error)"); return true }
                interpreter.outputDirectory = folder
            }
            print("files are written to \(interpreter.outputDirectory ?? interpreter.baseDirectory)")
        case ":layers": print(Self.layerList())
        case ":load":
            guard !argument.isEmpty else { print("error: :load needs a file name"); return true }
            Interruption.clear()
            do { try interpreter.load(path: argument) } catch { reportInRepl(error) }
        case ":shape", ":summary":
            let file = SourceFile(name: "<repl>", text: argument)
            let (expression, diagnostics) = parseExpression(file)
            guard diagnostics.isEmpty, let expression else { _ = report(DiagnosticList(diagnostics)); return true }
            do {
                Interruption.clear()
                let v = try interpreter.evaluateTopLevel(expression)
                if parts[0] == ":summary" {
                    guard case let .model(m) = v else { print("error: '\(argument)' is not a model"); return true }
                    print(m.model.summary())
                } else {
                    print(interpreter.shapeDescription(v))
                }
            } catch { reportInRepl(error) }
        default:
            print("unknown command \(parts[0]); :help lists the commands")
        }
        return true
    }
}

/// The text `netl_set_argument_completer`'s callback hands to readline (kept until the next Tab).
nonisolated(unsafe) private var argumentCompletionText = ContiguousArray<CChar>()
/// The session the completion callback (a C function pointer, which captures nothing) reads.
nonisolated(unsafe) private var completingSession: Interpreter?

extension ReplSession {
    /// `:help NAME`: a described built-in's signature, summary and example; a layer's
    /// signature and shape rule.
    static func help(for name: String) -> String {
        if let text = ArgumentCompletion.help(name) { return text }
        if let layer = LayerCatalog.all.first(where: { $0.name == name }) { return "layer \(layer.signature)\n  \(layer.shapeRule)" }
        return "no description of '\(name)' yet (\(ReplSession.describedCount) built-ins are described; :layers lists the layers)"
    }
    static var describedCount: Int { BuiltinDescriptions.all.count }

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
