import ArgumentParser

struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench", abstract: "Measure Evident on this machine.",
        subcommands: [
            StoreBenchCommand.self, BenchSpecCommand.self, LibraryBenchCommand.self, ProjectionBenchCommand.self,
        ],
        defaultSubcommand: StoreBenchCommand.self)
}
