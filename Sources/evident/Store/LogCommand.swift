import ArgumentParser
import Evident
import Foundation

struct LogCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "log", abstract: "Print the global log, in position order.",
        discussion: "Example: evident log --after 100 --type was_placed --follow")

    @OptionGroup var store: StoreOptions

    @Option(parsing: .unconditional, help: "Start after this position.")
    var after: Int64 = 0

    @Option(parsing: .unconditional, help: "The most events to print.")
    var limit: Int?

    @Option(name: .customLong("type"), help: "Only events of this type (repeatable).")
    var types: [String] = []

    @Option(name: .customLong("stream-type"), help: "Only events of streams of this type (repeatable).")
    var streamTypes: [String] = []

    @Flag(help: "Keep printing new events, also those written by other processes, until interrupted.")
    var follow = false

    func validate() throws {
        if after < 0 { throw ValidationError("--after must be a position of 0 or more (got \(after)).") }
        if let limit, limit < 1 { throw ValidationError("--limit must be 1 or more (got \(limit)).") }
    }

    func run() async throws {
        try await self.store.withStore(creating: false) { try await printEvents(of: $0) }
    }

    private func printEvents(of store: any EventStore) async throws {
        let filter = LogFilter(
            streamCategories: streamTypes.isEmpty ? nil : Set(streamTypes), eventTypes: types.isEmpty ? nil : Set(types)
        )
        var printed = 0
        func show(_ event: RecordedEvent) {
            if self.store.json { Output.line(event.json) } else { Output.line(Output.text(event, showStream: true)) }
            printed += 1
        }
        if follow {
            for try await event in store.subscribe(after: after, filter: filter) {
                show(event)
                if let limit, printed >= limit { return }
            }
        } else {
            var cursor = after
            while limit.map({ printed < $0 }) ?? true {
                let page = try await store.readLog(
                    after: cursor, filter: filter, limit: min(1_000, (limit ?? Int.max) - printed))
                guard let last = page.last else { return }
                page.forEach(show)
                cursor = last.position
            }
        }
    }
}
