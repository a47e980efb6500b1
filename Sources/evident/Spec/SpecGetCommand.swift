import ArgumentParser
import Evident
import EvidentEngine
import EvidentSpec

/// `evident spec get`: the spec in force in the database, as `GET /_spec` gives it.
struct SpecGetCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "get",
        abstract: "Print the spec in force in the database.",
        discussion: """
            Prints the spec document as JSON (keys sorted), so `evident spec get > spec.json` saves it. --json \
            prints {"version", "hash", "spec"}, the answer of GET /_spec.
            """
    )

    @OptionGroup var store: StoreOptions

    func run() async throws {
        let current = try await store.withEngine(creating: false) { try await store.currentSpec(of: $0) }
        if store.json {
            Output.line([
                "version": .int(current.version), "hash": .string(current.spec.contentHash),
                "spec": current.spec.document,
            ])
        } else {
            Output.line(current.spec.document)
        }
    }
}
