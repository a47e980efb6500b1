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
            prints {"version", "hash", "spec"}, the answer of GET /_spec. --version N prints version N instead of \
            the spec in force (--json: GET /_spec/versions/N's answer).
            """
    )

    @OptionGroup var store: StoreOptions

    @Option(help: "Print this stored version instead of the spec in force (see `evident spec versions`).")
    var version: Int?

    func run() async throws {
        if let version {
            let stored = try await store.withEngine(creating: false) { try await $0.specVersion(version) }
            var answer = stored.summary.object ?? [:]
            answer["spec"] = stored.document
            Output.line(store.json ? .object(answer) : stored.document)
            return
        }
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
