import ArgumentParser
import Evident
import EvidentSpec

/// `evident spec validate FILE`: every problem, one per line; the content hash when the spec is valid.
struct SpecValidateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Check a spec and list every problem as 'path: message'.",
        discussion: "Exits 0 and prints the spec's content hash (SHA-256) when the spec is valid, 1 otherwise."
    )

    @Argument(help: "The spec file (JSON), or '-' for standard input.")
    var file: String

    func run() async throws {
        let text = try SpecFile.read(file)
        do {
            let spec = try CompiledSpec(parsing: text)
            print("valid sha256:\(spec.contentHash)")
        } catch {
            for problem in error.problems { print(problem.description) }
            throw ExitCode(1)
        }
    }
}
