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
}
