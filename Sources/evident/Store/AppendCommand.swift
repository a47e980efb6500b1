import ArgumentParser
import Evident
import EvidentEngine
import Foundation

struct AppendCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "append", abstract: "Append an event to a stream.",
        discussion: """
            When the database holds a spec (evident spec put FILE), the event goes through it exactly as over \
            HTTP: the stream is an aggregate (type:id), --actor is required, the data must match the event's \
            schema, `requires` must hold, and its implications are written with it and printed. A refused event \
            exits 64 and writes nothing. Without a spec, or with --raw, the event is appended as given.

            Example: evident append order:42 was_placed --data '{"total": 12.5}' --expected-version no-stream
            """)

    @OptionGroup var store: StoreOptions

    @Argument(
        help: ArgumentHelp("The stream, as type:id (order:42).", valueName: "stream"), transform: { try StreamName($0) }
    )
    var stream: StreamName

    @Argument(help: ArgumentHelp("The event type (was_placed).", valueName: "type"))
    var type: String

    @Option(
        help: ArgumentHelp(
            "The event data: a JSON object, or - to read it from standard input. At most 1 MiB (1,048,576 bytes) "
                + "as given and as stored (compact JSON); it must be valid UTF-8.",
            valueName: "json"))
    var data = "{}"

    @Option(
        parsing: .unconditional,
        help: ArgumentHelp(
            "What the stream's length must be: any, no-stream, exists, or a number. Default: any; with a spec, "
                + "the length the spec's checks saw (any skips that check, exists is refused).",
            valueName: "version"),
        transform: ExpectedVersion.init(argument:))
    var expectedVersion: ExpectedVersion?

    @Option(help: "Makes retries safe: an append with a key already used returns the first result.")
    var idempotencyKey: String?

    @Option(
        help: ArgumentHelp(
            "Who causes the event, as type:id (user:42); required when the database holds a spec.",
            valueName: "type:id"),
        transform: EntityReference.init(argument:))
    var actor: EntityReference?

    @Flag(
        help: ArgumentHelp(
            "Append the event as given, without the checks, handlers and implications of the spec the database "
                + "holds (the behaviour of a database without a spec)."))
    var raw = false

    /// The most bytes of event data `append` takes: 1 MiB, the server's default request-body limit
    /// (`ServerConfiguration.maximumBodySize`). It applies to the data as stored (compact JSON, as
    /// `JSON.serialized()` writes it) and to the data as given, so that standard input is never read past it.
    static let maximumDataSize = 1 << 20

    func run() async throws {
        let data = try eventData()
        guard !type.isEmpty, !type.contains(where: \.isWhitespace) else {
            throw ValidationError("The event type must be a word such as was_placed.")
        }
        try await store.withStore(creating: true) { eventStore in
            if !raw {
                let engine = SpecEngine(store: eventStore)
                if try await engine.specInForce() != nil {
                    try await appendThroughSpec(data, engine: engine)
                    return
                }
            }
            let event = NewEvent(type: type, data: data, metadata: EventMetadata(actor: actor))
            let result = try await eventStore.append(
                [event], to: stream, expectedVersion: expectedVersion ?? .any, idempotencyKey: idempotencyKey)
            if store.json {
                Output.line(.object(Self.json(result)))
            } else {
                Output.line(Self.text(result))
            }
        }
    }

    /// The event data, checked: valid UTF-8, a JSON object, at most ``maximumDataSize`` bytes as given and as
    /// stored.
    private func eventData() throws -> JSON {
        // The command line itself was checked to be UTF-8 by `StoreOptions.validate()`.
        let input: [UInt8]
        if data == "-" {
            input = try CommandLineInput.readStandardInput(
                limit: Self.maximumDataSize, describing: "The event data on standard input")
            if let offset = CommandLineInput.firstInvalidUTF8(in: input) {
                throw ValidationError(
                    "The event data on standard input is not valid UTF-8: invalid byte at offset \(offset).")
            }
        } else {
            input = Array(data.utf8)
        }
        guard input.count <= Self.maximumDataSize else {
            throw ValidationError(
                "--data is \(input.count) bytes, more than the limit of \(Self.maximumDataSize) bytes (1 MiB).")
        }
        let json: JSON
        do {
            json = try JSON(parsing: input)
        } catch {
            throw ValidationError("--data is not valid JSON: \(error)")
        }
        guard case .object = json else { throw ValidationError("--data must be a JSON object, such as '{\"a\": 1}'.") }
        let size = json.serialized().count
        guard size <= Self.maximumDataSize else {
            throw ValidationError(
                "The event data is \(size) bytes as compact JSON, more than the limit of \(Self.maximumDataSize) "
                    + "bytes (1 MiB).")
        }
        return json
    }

    /// Writes the event through the engine: the spec's checks, handlers and implications.
    private func appendThroughSpec(_ data: JSON, engine: SpecEngine) async throws {
        guard let actor else {
            throw ValidationError(
                "This database holds a spec, so an event needs --actor type:id (such as --actor user:42); "
                    + "--raw appends without the spec.")
        }
        let concurrency: WriteRequest.Concurrency
        switch expectedVersion {
        case nil: concurrency = .automatic
        case .any: concurrency = .disabled
        case .noStream: concurrency = .expectedLength(0)
        case .exact(let length): concurrency = .expectedLength(length)
        case .streamExists:
            throw ValidationError(
                "--expected-version exists is not available with a spec: give the length (a number), no-stream, "
                    + "or any; or append with --raw.")
        }
        let outcome = try await engine.write(
            WriteRequest(
                aggregateType: stream.category, aggregateID: stream.id, events: [.init(type: type, data: data)],
                metadata: EventMetadata(actor: actor), concurrency: concurrency, idempotencyKey: idempotencyKey))
        var implied: [(result: AppendResult, types: [String])] = []
        for result in outcome.implied {
            let events = try await engine.store.readStream(
                result.stream, from: result.versions?.lowerBound ?? 1, direction: .forward, limit: result.count)
            implied.append((result, events.map(\.type)))
        }
        if store.json {
            var line = Self.json(outcome.result)
            line["implied"] = .array(
                implied.map { result, types in
                    var json = Self.json(result)
                    json["replayed"] = nil
                    json["types"] = .array(types.map(JSON.string))
                    return .object(json)
                })
            Output.line(.object(line))
        } else {
            Output.line(Self.text(outcome.result))
            for (result, types) in implied {
                Output.line(
                    "  implied: \(result.stream) v\(result.streamLength) at position \(result.lastPosition) "
                        + "(\(types.joined(separator: ", ")))")
            }
        }
    }

    /// `stream`, `version` (the stream's length after the append), `position` (of its last event), `replayed`.
    private static func json(_ result: AppendResult) -> [String: JSON] {
        [
            "stream": .string(result.stream.description), "version": .int(result.streamLength),
            "position": .int(Int(result.lastPosition)), "replayed": .bool(result.isReplay),
        ]
    }

    private static func text(_ result: AppendResult) -> String {
        let replay = result.isReplay ? " (replayed: this idempotency key was already used; nothing written)" : ""
        return "\(result.stream) v\(result.streamLength) at position \(result.lastPosition)\(replay)"
    }
}
