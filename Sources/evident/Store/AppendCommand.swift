import ArgumentParser
import Evident
import Foundation

struct AppendCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "append", abstract: "Append an event to a stream.",
        discussion:
            "Example: evident append order:42 was_placed --data '{\"total\": 12.5}' --expected-version no-stream")

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
            "What the stream's length must be: any, no-stream, exists, or a number.", valueName: "version"),
        transform: ExpectedVersion.init(argument:))
    var expectedVersion: ExpectedVersion = .any

    @Option(help: "Makes retries safe: an append with a key already used returns the first result.")
    var idempotencyKey: String?

    @Option(
        help: ArgumentHelp("Who causes the event, as type:id (user:42).", valueName: "type:id"),
        transform: EntityReference.init(argument:))
    var actor: EntityReference?

    /// The most bytes of event data `append` takes: 1 MiB, the server's default request-body limit
    /// (`ServerConfiguration.maximumBodySize`). It applies to the data as stored (compact JSON, as
    /// `JSON.serialized()` writes it) and to the data as given, so that standard input is never read past it.
    static let maximumDataSize = 1 << 20

    func run() async throws {
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
        guard !type.isEmpty, !type.contains(where: \.isWhitespace) else {
            throw ValidationError("The event type must be a word such as was_placed.")
        }
        let event = NewEvent(type: type, data: json, metadata: EventMetadata(actor: actor))
        let result = try await store.open(creating: true).append(
            [event], to: stream, expectedVersion: expectedVersion, idempotencyKey: idempotencyKey)
        if store.json {
            Output.line([
                "stream": .string(stream.description), "version": .int(result.streamLength),
                "position": .int(Int(result.lastPosition)), "replayed": .bool(result.isReplay),
            ])
        } else {
            let replay = result.isReplay ? " (replayed: this idempotency key was already used; nothing written)" : ""
            Output.line("\(stream) v\(result.streamLength) at position \(result.lastPosition)\(replay)")
        }
    }
}
