import ArgumentParser
import Foundation
import NetLang

/// Options shared by `run` and `check`.
struct ScriptOptions: ParsableArguments {
    @ArgumentParser.Argument(help: "The NetLang script (.net).") var file: String
    @Option(help: "Seed of initialisation, shuffling and random draws.") var seed: UInt64 = 0
    @Option(name: .customLong("set"), help: "Override a let binding: --set NAME=VALUE (repeatable).") var overrides: [String] = []

    /// An interpreter for the script, with overrides applied; exits with a message on a
    /// malformed override.
    func makeInterpreter() throws -> (Interpreter, SourceFile) {
        let path = file
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw ValidationError("cannot read '\(path)'")
        }
        let interpreter = Interpreter(seed: seed, baseDirectory: (path as NSString).deletingLastPathComponent.isEmpty
                                      ? "." : (path as NSString).deletingLastPathComponent)
        for o in overrides {
            guard let eq = o.firstIndex(of: "="), eq != o.startIndex else { throw ValidationError("--set expects NAME=VALUE, got '\(o)'") }
            let name = String(o[..<eq]), valueText = String(o[o.index(after: eq)...])
            let source = SourceFile(name: "--set \(name)", text: valueText)
            let (expression, diagnostics) = parseExpression(source)
            guard diagnostics.isEmpty, let expression else {
                throw ValidationError("--set \(name): '\(valueText)' is not a value\n" + diagnostics.map(\.description).joined(separator: "\n"))
            }
            interpreter.overrides[name] = try interpreter.evaluate(expression, in: interpreter.globals)
        }
        return (interpreter, SourceFile(name: path, text: text))
    }
}

/// Prints diagnostics (coloured on a terminal) and returns the exit code for them.
/// `prefix` starts each message (the rank in a data-parallel job).
func report(_ error: Error, prefix: String = "") -> ExitCode {
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

/// `netl run FILE`: check, compile and run a script.
struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "run", abstract: "Run a NetLang script.")
    @OptionGroup var options: ScriptOptions

    func run() throws {
        let (interpreter, file) = try options.makeInterpreter()
        let world = try joinWorld(interpreter)
        do { try interpreter.run(file) } catch { throw reportAndStop(error, world: world) }
        if world.isPrimary { warnUnusedOverrides(interpreter) }
        world.finalize()
    }
}

/// `--set NAME=…` for a name no `let` binds is almost always a typo: say so.
func warnUnusedOverrides(_ interpreter: Interpreter) {
    for name in interpreter.unusedOverrides {
        FileHandle.standardError.write("warning: --set \(name): the script has no 'let \(name) = …'\n".data(using: .utf8)!)
    }
}

/// `netl check FILE`: parse, resolve names and shapes, compile training steps, print model
/// summaries — without training or evaluating.
struct CheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "check",
                                                    abstract: "Check a script (names, shapes, parameter counts) without running it.")
    @OptionGroup var options: ScriptOptions

    func run() throws {
        let (interpreter, file) = try options.makeInterpreter()
        interpreter.checkOnly = true
        interpreter.output = { _ in }
        let world = try joinWorld(interpreter)
        do { try interpreter.run(file) } catch { throw reportAndStop(error, world: world) }
        world.finalize()
        guard world.isPrimary else { return }
        warnUnusedOverrides(interpreter)
        for m in interpreter.models { print(m.model.summary() + "\n") }
        print("\(file.name): ok (\(interpreter.models.count) model\(interpreter.models.count == 1 ? "" : "s"))")
    }
}
