import ArgumentParser
import Evident
import Foundation

struct ReadCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "read", abstract: "Print the events of a stream.",
        discussion: "Example: evident read order:42 --at 1763895600")

    @OptionGroup var store: StoreOptions

    @Argument(help: ArgumentHelp("The stream, as type:id.", valueName: "stream"), transform: { try StreamName($0) })
    var stream: StreamName

    @Option(parsing: .unconditional, help: "The version to start at (default: the first, or the last with --backward).")
    var from: Int?

    @Flag(help: "Read from newest to oldest.")
    var backward = false

    @Option(parsing: .unconditional, help: "The most events to print.")
    var limit: Int?

    @Option(
        parsing: .unconditional,
        help: ArgumentHelp("Only events recorded at or before this time (Unix seconds).", valueName: "unix-seconds"))
    var at: Int64?

    func validate() throws {
        if let from, from < 1 { throw ValidationError("--from must be a version of 1 or more (got \(from)).") }
        if let limit, limit < 1 { throw ValidationError("--limit must be 1 or more (got \(limit)).") }
        if let at, at < 0 { throw ValidationError("--at must be Unix seconds, 0 or more (got \(at)).") }
        if at != nil, backward { throw ValidationError("--at and --backward cannot be combined.") }
    }

    func run() async throws {
        let events = try await store.withStore(creating: false) { try await read(from: $0) }
        if events.isEmpty, !store.json {
            // Say so, where a pipe reading standard output does not see it; --json prints nothing, as before.
            FileHandle.standardError.write(Data("no events in \(stream)\(filterDescription)\n".utf8))
        }
        for event in events {
            if store.json { Output.line(event.json) } else { Output.line(Output.text(event, showStream: false)) }
        }
    }

    private func read(from store: any EventStore) async throws -> [RecordedEvent] {
        guard let at else {
            return try await store.readStream(
                stream, from: from ?? (backward ? Int.max : 1), direction: backward ? .backward : .forward,
                limit: limit ?? Int(Int32.max))
        }
        var events = try await store.readStream(stream, upTo: .recordedAt(Date(endOfUnixSecond: Int(at))))
        events.removeFirst(min(events.count, (from ?? 1) - 1))
        return limit.map { Array(events.prefix($0)) } ?? events
    }

    /// The options that narrowed the read, as the message of an empty read names them.
    private var filterDescription: String {
        var parts: [String] = []
        if let from { parts.append("from version \(from)") }
        if let at { parts.append("recorded at or before \(at)") }
        return parts.isEmpty ? "" : " " + parts.joined(separator: ", ")
    }
}
