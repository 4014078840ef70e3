import ArgumentParser

/// `netl`: run, check and explore NetLang scripts; benchmark the runtime.
@main
struct Netl: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "netl",
        abstract: "NetLang: describe, train and invert neural networks.",
        version: "0.1.0",
        subcommands: [RunCommand.self, CheckCommand.self, ReplCommand.self, BenchCommand.self],
        defaultSubcommand: ReplCommand.self
    )

    /// `netl FILE.net …` runs the file (as `python file.py` does): a first argument that
    /// names a script rather than a subcommand gets `run` put in front of it.
    static func main() {
        var arguments = Array(CommandLine.arguments.dropFirst())
        if let first = arguments.first, first.hasSuffix(".net") { arguments.insert("run", at: 0) }
        main(arguments)
    }
}
