import ArgumentParser
import Evident
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// `evident copy`: moves a whole store, for example from SQLite to PostgreSQL when one machine is not enough.
struct CopyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "copy", abstract: "Copy a whole store into an empty one, then compare both.",
        discussion: """
            Copies every event with its id, position, version, time and metadata (the stored spec and API keys \
            with them), the idempotency keys, snapshots, checkpoints and parked events, then reads both stores back, \
            compares them and prints the counts. The target must hold no events. Stop writers to the source first: \
            appends made during the copy may be missed. Shows progress on a terminal.
            Example: evident copy --from evident.sqlite --to postgres://evident@db.internal/app
            """)

    @Option(help: ArgumentHelp("The store to copy (a URL or path, as --store takes).", valueName: "url"))
    var from: String

    @Option(help: ArgumentHelp("The empty store to copy into; created when missing.", valueName: "url"))
    var to: String

    @Flag(help: "Print the counts as one JSON object.")
    var json = false

    func validate() throws {
        let (source, target) = try locations()
        guard source.description != target.description else {
            throw ValidationError("--from and --to name the same store.")
        }
    }

    private func locations() throws -> (StoreLocation, StoreLocation) {
        func parse(_ url: String, _ option: String) throws -> StoreLocation {
            do { return try StoreLocation(url: url) } catch { throw ValidationError("\(option): \(error.message)") }
        }
        return (try parse(from, "--from"), try parse(to, "--to"))
    }

    func run() async throws {
        let (source, target) = try locations()
        let progress = ProgressLine("Copied")
        let counts = try await source.withStore(creating: false) { source in
            try await target.withStore(creating: true) { target in
                try await StoreCopy.run(from: source.copyable, to: target.copyable, progress: progress.update)
            }
        }
        progress.finish()
        if json {
            Output.line([
                "events": .int(counts.events), "idempotency_keys": .int(counts.idempotencyKeys),
                "snapshots": .int(counts.snapshots), "checkpoints": .int(counts.checkpoints),
                "parked_events": .int(counts.parkedEvents), "subject_keys": .int(counts.subjectKeys),
            ])
        } else {
            Output.line(
                "Copied \(counts.events) events, \(counts.idempotencyKeys) idempotency keys, \(counts.snapshots) "
                    + "snapshots, \(counts.checkpoints) checkpoints, \(counts.parkedEvents) parked events and "
                    + "\(counts.subjectKeys) data subjects' keys from "
                    + "\(source) to \(target); both stores hold the same.")
        }
    }
}
