import ArgumentParser
import Foundation
import NetLang

/// `netl`: run, check and explore NetLang scripts; benchmark the runtime.
@main
struct Netl: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "netl",
        abstract: "NetLang: describe, train and invert neural networks.",
        version: "0.1.0",
        subcommands: [RunCommand.self, CheckCommand.self, ReplCommand.self, LspCommand.self, BenchCommand.self, VocabularyCommand.self],
        defaultSubcommand: ReplCommand.self
    )

    /// `netl FILE.net …` runs the file (as `python file.py` does): a first argument that
    /// names a script rather than a subcommand gets `run` put in front of it.
    ///
    /// The whole command runs on a large-stack thread (`LargeStack`): parsing, evaluating
    /// and freeing deeply nested scripts recurse. SIGINT is blocked on the main thread,
    /// which only waits, so Ctrl-C reaches the thread reading the REPL's input.
    static func main() {
        var arguments = Array(CommandLine.arguments.dropFirst())
        if let first = arguments.first, first.hasSuffix(".net") { arguments.insert("run", at: 0) }
        var interrupt = sigset_t()
        sigemptyset(&interrupt)
        sigaddset(&interrupt, SIGINT)
        var previous = sigset_t()
        pthread_sigmask(SIG_BLOCK, &interrupt, &previous)
        try? LargeStack.run {
            pthread_sigmask(SIG_SETMASK, &previous, nil)
            main(arguments)
        }
    }
}
