import ArgumentParser
import Evident
import EvidentSpec

/// `evident spec fold FILE --aggregate TYPE --events EVENTS.ndjson`: checks and folds events, prints the state.
struct SpecFoldCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fold",
        abstract: "Check events against a spec and fold them into the final state.",
        discussion: """
            Events are JSON lines: {"type": …, "data": …, "metadata"?: {"actor": {"type", "id"}, …}, \
            "timestamp"?: Unix seconds}. Each is checked like a new event (known type, schema, actor and target, \
            requires, handler); the first refused event stops the fold with its line number and reason.
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
        let spec = try SpecFile.compile(file)
        let type: CompiledAggregateType
        let aggregateID: String
        do {
            type = try spec.requireAggregateType(aggregate)
            aggregateID = try spec.normalizedIdentifier(id)
        } catch {
            throw ValidationError(error.message)
        }
        var state = CompiledAggregateType.initialState
        var version = 0
        for (offset, line) in try SpecFile.read(events).split(separator: "\n", omittingEmptySubsequences: false)
            .enumerated()
        {
            guard !line.allSatisfy(\.isWhitespace) else { continue }
            do {
                version += 1
                let event = try SpecEvent(
                    json: try JSON(parsing: String(line)), aggregateType: aggregate, aggregateID: aggregateID,
                    version: version)
                state = try type.apply(event, to: state)
            } catch {
                SpecFile.printError("line \(offset + 1): \(error)")
                throw ExitCode(1)
            }
        }
        print(state.serializedString())
    }
}
