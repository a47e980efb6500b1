import ArgumentParser
import Evident
import EvidentEngine
import EvidentSpec
import Foundation
import Synchronization

/// `evident spec fold FILE --aggregate TYPE --events EVENTS.ndjson`: writes events through the engine, over an
/// in-memory store, and prints the final state.
struct SpecFoldCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fold",
        abstract: "Check events against a spec and fold them into the final state.",
        discussion: """
            Events are JSON lines: {"type": …, "data": …, "metadata": {"actor": {"type", "id"}, …}, \
            "timestamp"?: Unix seconds}. Each is written as the server writes a new event, into a store that \
            lives in memory: known type, schema, actor (required) and target, requires, handler, and its \
            implications; its timestamp (default: now) is the time its handlers see, so lines must be in time \
            order. The first refused event stops the fold with its line number and reason.
            """
    )

    @Argument(help: "The spec file (JSON).")
    var file: String

    @Option(help: "The aggregate type the events belong to.")
    var aggregate: String

    @Option(help: "The aggregate id ($.id and $.key).")
    var id: String = "global"

    @Option(help: "The events, as JSON lines; '-' for standard input.")
    var events: String = "-"

    func run() async throws {
        let document = try SpecFile.document(file)
        // The time of the line being written: what handlers see, and what the store records.
        let now = LineClock()
        let clock: @Sendable () -> Date = { now.time.withLock { $0 } }
        var configuration = EngineConfiguration()
        configuration.clock = clock
        let engine = SpecEngine(store: InMemoryEventStore(clock: clock), configuration: configuration)
        do {
            try await engine.putSpec(document)
        } catch let error as SpecValidationError {
            throw SpecFile.report(error)
        }
        do {
            let spec = try await engine.currentSpec().spec
            _ = try spec.requireAggregateType(aggregate)
            _ = try spec.normalizedIdentifier(id)
        } catch let error as SpecError {
            throw ValidationError(error.message)
        }
        var written = 0
        // The store records events in time order; a line earlier than the one before would be folded at another
        // time than its handlers saw.
        var previous = Date(timeIntervalSince1970: 0)
        for (offset, line) in try SpecFile.read(events).split(separator: "\n", omittingEmptySubsequences: false)
            .enumerated()
        {
            guard !line.allSatisfy(\.isWhitespace) else { continue }
            do {
                let json = try JSON(parsing: String(line))
                // The line as an event (type, data, timestamp); the version is the engine's to give.
                let event = try SpecEvent(json: json, aggregateType: aggregate, aggregateID: id, version: 0)
                let (metadata, concurrency) = try WriteRequest.parseMetadata(json["metadata"])
                let time = event.timestamp.truncatedToMilliseconds
                guard time >= previous else {
                    throw SpecError(
                        code: .malformedEvent,
                        message: "\"timestamp\" \(time.timeIntervalSince1970) is earlier than the line before "
                            + "(\(previous.timeIntervalSince1970)); give the lines in time order (a line without one "
                            + "is now)")
                }
                previous = time
                now.time.withLock { $0 = time }
                try await engine.write(
                    WriteRequest(
                        aggregateType: aggregate, aggregateID: id, events: [.init(type: event.type, data: event.data)],
                        metadata: metadata, concurrency: concurrency))
                written += 1
            } catch {
                SpecFile.printError("line \(offset + 1): \(error)")
                throw ExitCode(1)
            }
        }
        let state = written == 0 ? CompiledAggregateType.initialState : try await engine.state(of: aggregate, id).data
        print(state.serializedString())
    }
}

/// The time of the line `spec fold` is writing, shared by the engine's clock and the store's.
private final class LineClock: Sendable {
    /// The spec is stored at the start of time, so that every line can be recorded at its own timestamp.
    let time = Mutex(Date(timeIntervalSince1970: 0))
}
