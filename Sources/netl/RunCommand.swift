import ArgumentParser
import Foundation
import NetLang
import NetRuntime

/// Options shared by `run` and `check`.
struct ScriptOptions: ParsableArguments {
    @ArgumentParser.Argument(help: "The NetLang script (.net).") var file: String
    @Option(help: "Seed of initialisation, shuffling and random draws.") var seed: UInt64 = 0
    @Option(name: .customLong("set"), help: "Override a let binding: --set NAME=VALUE (repeatable).") var overrides: [String] = []
    @Option(name: .customLong("out"), help: ArgumentHelp("Folder for every file the script writes (pictures, checkpoints); default: next to the script.",
                                                          valueName: "DIR")) var outputDirectory: String?

    @Flag(name: .customLong("allow-nonfinite"), help: "Load checkpoints whose weights hold NaN or infinity.")
    var allowNonFinite = false
    @Option(name: .customLong("memory-limit"), help: ArgumentHelp("Memory the run may use (e.g. 4G, 512M); larger allocations are 'out of memory' errors. Default: 80% of physical memory (and of ulimit -v).",
                                                                  valueName: "SIZE")) var memoryLimit: String?

    /// An interpreter for the script, with overrides applied (in check mode already, so a
    /// `--set` expression that writes a file writes nothing under `netl check`). Overrides
    /// the script never binds are reported before it runs. Exits with a message on a
    /// missing file or a malformed override.
    func makeInterpreter(checkOnly: Bool = false) throws -> (Interpreter, SourceFile) {
        let path = file
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw fail("\(path): no such file")
        }
        guard !isDirectory.boolValue else { throw fail("\(path) is a directory, not a script") }
        try applyMemoryLimit(memoryLimit)
        if let outputDirectory, !checkOnly {
            do { try Interpreter.prepareOutputDirectory(outputDirectory) } catch { throw fail("--out: \(error)") }
        }
        let text: String
        do { text = try readScript(path) } catch { throw fail("cannot read the script: \(error)") }
        let interpreter = Interpreter(seed: seed, baseDirectory: (path as NSString).deletingLastPathComponent.isEmpty
                                      ? "." : (path as NSString).deletingLastPathComponent,
                                      outputDirectory: outputDirectory)
        interpreter.checkOnly = checkOnly
        interpreter.warning = { writeStandardError($0.render(color: isatty(2) != 0)) }
        interpreter.allowsNonFiniteWeights = allowNonFinite
        for o in overrides {
            guard let eq = o.firstIndex(of: "="), eq != o.startIndex else { throw ValidationError("--set expects NAME=VALUE, got '\(o)'") }
            let name = String(o[..<eq]), valueText = String(o[o.index(after: eq)...])
            let source = SourceFile(name: "--set \(name)", text: valueText)
            let (expression, diagnostics) = parseExpression(source)
            guard diagnostics.isEmpty, let expression else {
                throw ValidationError("--set \(name): '\(valueText)' is not a value\n" + diagnostics.map(\.description).joined(separator: "\n"))
            }
            do { interpreter.overrides[name] = try interpreter.evaluateTopLevel(expression) } catch { throw report(error) }
        }
        let source = SourceFile(name: path, text: text)
        for warning in interpreter.overrideWarnings(for: source) { writeStandardError(warning) }
        return (interpreter, source)
    }

    /// Prints "error: …" and returns exit code 1.
    private func fail(_ message: String) -> ExitCode {
        writeStandardError("error: \(message)")
        return ExitCode(1)
    }
}

/// A line on standard error, after flushing standard output so that, on a pipe, messages
/// appear in the order they would on a terminal.
func writeStandardError(_ line: String) {
    fflush(nil)   // every output stream, standard output included
    FileHandle.standardError.write((line + "\n").data(using: .utf8)!)
}

/// Prints diagnostics (coloured on a terminal) and returns the exit code for them.
/// `prefix` starts each message (the rank in a data-parallel job).
func report(_ error: Error, prefix: String = "") -> ExitCode {
    fflush(nil)   // every output stream, standard output included
    let color = isatty(2) != 0
    switch error {
    case let list as DiagnosticList:
        for d in list.diagnostics { FileHandle.standardError.write((prefix + d.render(color: color) + "\n").data(using: .utf8)!) }
        let n = list.diagnostics.count
        FileHandle.standardError.write("\(prefix)\(n) error\(n == 1 ? "" : "s")\n".data(using: .utf8)!)
    case let d as Diagnostic:
        FileHandle.standardError.write((prefix + d.render(color: color) + "\n").data(using: .utf8)!)
    default:
        FileHandle.standardError.write("\(prefix)error: \(error)\n".data(using: .utf8)!)
    }
    return ExitCode(1)
}

/// Sets the memory budget from `--memory-limit` (a usage error when malformed).
func applyMemoryLimit(_ text: String?) throws {
    guard let text else { return }
    guard let bytes = MemoryBudget.parse(text) else {
        throw ValidationError("--memory-limit expects a size such as 4G, 512M or a number of bytes, got '\(text)'")
    }
    MemoryBudget.limit = bytes
}

/// `netl run FILE`: check, compile and run a script.
struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "run", abstract: "Run a NetLang script.")
    @OptionGroup var options: ScriptOptions

    func run() throws {
        let (interpreter, file) = try options.makeInterpreter()
        let world = try joinWorld(interpreter)
        do {
            try interpreter.run(file)
            try interpreter.finishWithOtherRanks(file)
        } catch { throw reportAndStop(error, world: world) }
        world.finalize()
    }
}

/// `netl check FILE…`: parse, resolve names and shapes, compile training steps, print model
/// summaries — without training or evaluating. Several files are checked one after the
/// other, each in a fresh session; the exit code is 1 if any of them has an error.
struct CheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "check",
                                                    abstract: "Check a script (names, shapes, parameter counts) without running it.")
    @OptionGroup var options: ScriptOptions
    @ArgumentParser.Argument(help: "More scripts to check, each in a fresh session.") var more: [String] = []

    func run() throws {
        var failed = false
        for path in [options.file] + more {
            var single = options
            single.file = path
            do { try check(single) } catch is ExitCode { failed = true }
        }
        if failed { throw ExitCode(1) }
    }

    private func check(_ options: ScriptOptions) throws {
        let (interpreter, file) = try options.makeInterpreter(checkOnly: true)
        interpreter.output = { _ in }
        let world = try joinWorld(interpreter)
        do { try interpreter.run(file) } catch { throw reportAndStop(error, world: world) }
        world.finalize()
        guard world.isPrimary else { return }
        for m in interpreter.models { print(m.model.summary() + "\n") }
        print("\(file.name): ok (\(interpreter.models.count) model\(interpreter.models.count == 1 ? "" : "s"))")
    }
}
