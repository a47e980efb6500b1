import ArgumentParser

/// `evident spec`: offline tools for spec authors.
struct SpecCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "spec",
        abstract: "Check, try out and start specs, offline.",
        subcommands: [SpecValidateCommand.self, SpecFoldCommand.self, SpecInitCommand.self]
    )
}
