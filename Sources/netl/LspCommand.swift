import ArgumentParser
import Foundation
import NetLang

/// `netl lsp`: the language server, speaking LSP over standard input and output (editors
/// start it; docs/editors.md).
struct LspCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "lsp",
                                                    abstract: "Run the NetLang language server (LSP over standard input/output).")
    @Option(name: .customLong("time-budget"), help: ArgumentHelp("Seconds a check of an edited script may take before it is cut off with a diagnostic.",
                                                                 valueName: "SECONDS"))
    var timeBudget: Double = 5

    func validate() throws {
        guard timeBudget.isFinite, timeBudget > 0 else { throw ValidationError("--time-budget must be a positive number of seconds") }
    }

    func run() throws {
        // The protocol gets a private copy of standard output; file descriptor 1 then points
        // at standard error, so nothing else the process prints can corrupt a message.
        let protocolOutput = dup(1)
        dup2(2, 1)
        throw ExitCode(LanguageServer.serve(input: 0, output: protocolOutput, timeBudget: timeBudget))
    }
}
