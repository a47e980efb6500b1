import ArgumentParser

/// `evident spec`: tools for spec authors, offline, and the spec stored in a database.
struct SpecCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "spec",
        abstract: "Start, check and try out specs offline; store one in a database and read it back.",
        subcommands: [
            SpecValidateCommand.self, SpecFoldCommand.self, SpecInitCommand.self, SpecPutCommand.self,
            SpecGetCommand.self, SpecVersionsCommand.self, SpecRollbackCommand.self,
        ]
    )
}
