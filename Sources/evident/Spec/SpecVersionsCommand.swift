import ArgumentParser
import Evident
import EvidentEngine
import EvidentSpec

/// `evident spec versions`: every spec version stored in the database, newest first, as `GET /_spec/versions`
/// lists them.
struct SpecVersionsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "versions",
        abstract: "List the spec versions stored in the database, newest first.",
        discussion: """
            One line per version: its number, content hash, when it was stored and the log position of the event \
            that stored it; the version in force is marked. --json prints one {"version", "hash", "stored_at", \
            "position"} object per line. `evident spec get --version N` prints a version's document; \
            `evident spec rollback N` stores it again as a new version.
            """
    )

    @OptionGroup var store: StoreOptions

    @Option(help: "List at most this many versions.")
    var limit = 1_000

    func validate() throws {
        guard limit >= 1 else { throw ValidationError("--limit must be at least 1") }
    }

    func run() async throws {
        let (versions, current) = try await store.withEngine(creating: false) { engine in
            (try await engine.specVersions(limit: limit), try await engine.specInForce()?.version)
        }
        if versions.isEmpty && !store.json {
            let location = try store.location.resolve()
            Output.line("no spec stored; store one with `evident spec put FILE \(location.commandLineOption)`")
        }
        for version in versions {
            if store.json {
                Output.line(version.summary)
            } else {
                let mark = version.version == current ? "  (in force)" : ""
                Output.line(
                    "v\(version.version)  sha256:\(version.hash)  \(version.storedAt.iso8601Milliseconds)  "
                        + "position \(version.position)\(mark)")
            }
        }
    }
}
