import ArgumentParser
import Evident
import EvidentEngine
import EvidentSpec
import Foundation

/// `evident state TYPE:ID`: an aggregate's state as the database's spec folds it.
struct StateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "state", abstract: "Print an aggregate's state, as the database's spec folds it.",
        discussion: """
            Text: a line with the aggregate, its length and the times of its first and last events, then the \
            state as JSON. --json prints the {"data", "metadata"} object of the HTTP API's GET /{type}/{id}. \
            The database must hold a spec (evident spec put FILE).

            Example: evident state cart:7c0e5b9a-3f1d-4e2a-9b8c-5d6e7f801234 --at 1767225600
            """)

    @OptionGroup var store: StoreOptions

    @Argument(help: ArgumentHelp("The aggregate, as type:id (cart:7c0e5b9a-…).", valueName: "type:id"))
    var aggregate: String

    @Option(
        parsing: .unconditional,
        help: ArgumentHelp(
            "The state after the events recorded at or before this time (Unix seconds).", valueName: "unix-seconds"))
    var at: Int64?

    @Option(parsing: .unconditional, help: "The state after the first N events.")
    var version: Int?

    func validate() throws {
        if at != nil, version != nil { throw ValidationError("Use either --at or --version, not both.") }
        if let at, at < 0 { throw ValidationError("--at must be Unix seconds, 0 or more (got \(at)).") }
        if let version, version < 0 { throw ValidationError("--version must be 0 or more (got \(version)).") }
    }

    func run() async throws {
        guard let colon = aggregate.firstIndex(of: ":"), colon != aggregate.startIndex,
            colon != aggregate.index(before: aggregate.endIndex)
        else {
            throw ValidationError(
                "expected the aggregate as type:id, such as cart:7c0e5b9a-3f1d-4e2a-9b8c-5d6e7f801234")
        }
        let point: StatePoint =
            if let at {
                // Whole seconds, as `GET /{type}/{id}?at=`: every event recorded during that second counts.
                .time(Date(endOfUnixSecond: Int(at)))
            } else if let version {
                .version(version)
            } else {
                .latest
            }
        let state = try await store.withEngine(creating: false) { engine in
            _ = try await store.currentSpec(of: engine)
            return try await engine.state(
                of: String(aggregate[..<colon]), String(aggregate[aggregate.index(after: colon)...]), at: point)
        }
        if store.json {
            Output.line(state.json)
            return
        }
        var summary = "\(state.stream) length \(state.length)"
        if let created = state.createdAt, let updated = state.updatedAt {
            summary += ", created \(created.iso8601Milliseconds)"
            summary += ", updated \(updated.iso8601Milliseconds)"
        }
        Output.line(summary)
        for error in state.errors {
            Output.line("  v\(error.version) not folded: \(error.error)")
        }
        Output.line(state.data.serializedString())
    }
}
