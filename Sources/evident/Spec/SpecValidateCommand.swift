import ArgumentParser
import Evident
import EvidentSpec

/// `evident spec validate FILE`: every problem, one per line; the content hash when the spec is valid. Warnings
/// (patterns that may backtrack badly) go to standard error as `warning: path: message` and do not make the spec
/// invalid.
struct SpecValidateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Check a spec and list every problem as 'path: message'.",
        discussion: """
            Exits 0 and prints the spec's content hash (SHA-256) when the spec is valid, 1 otherwise. Warnings \
            about patterns that may backtrack badly are printed to standard error as 'warning: path: message'; \
            they do not make the spec invalid.
            """
    )

    @Argument(help: "The spec file (JSON), or '-' for standard input.")
    var file: String

    func run() async throws {
        let text = try SpecFile.read(file)
        do {
            let spec = try CompiledSpec(parsing: text)
            for warning in spec.warnings { SpecFile.printError("warning: \(warning.description)") }
            print("valid sha256:\(spec.contentHash)")
        } catch {
            for problem in error.problems { print(problem.description) }
            throw ExitCode(1)
        }
    }
}
