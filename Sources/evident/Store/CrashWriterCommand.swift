import ArgumentParser
import Evident
import Foundation

/// Appends forever from several tasks and prints each acknowledged append, for the crash-safety test that
/// kills this process with SIGKILL. Not shown in help.
struct CrashWriterCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "crash-writer", abstract: "Append in a loop, printing each acknowledgement (for tests).",
        shouldDisplay: false)

    @OptionGroup var store: StoreOptions

    @Option(help: "Concurrent appenders.")
    var writers = 4

    func run() async throws {
        let store = try self.store.open(creating: true)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for writer in 0..<writers {
                group.addTask {
                    var round = 0
                    while true {
                        round += 1
                        // Alternate single and multi-event appends; each event says which append it belongs to.
                        let count = round.isMultiple(of: 2) ? 1 : 5
                        let batch = UUID().uuidString.lowercased()
                        let events = (0..<count).map { index in
                            NewEvent(
                                type: "was_written",
                                data: ["batch": .string(batch), "index": .int(index), "count": .int(count)])
                        }
                        let stream = try StreamName("crash:w\(writer)-\(round % 7)")
                        let result = try await store.append(events, to: stream)
                        // One write(2) of a short line: atomic on a pipe, so no lock is needed.
                        Output.line("ack \(stream) \(result.firstPosition) \(count) \(batch)")
                    }
                }
            }
            try await group.waitForAll()
        }
    }
}
