import ArgumentParser
import Evident
import Foundation

/// Appends from several tasks and prints each acknowledged append: forever, for the crash-safety test that
/// kills this process with SIGKILL, or a given number of rounds, for the test of several processes appending
/// at once. Not shown in help.
struct CrashWriterCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "crash-writer", abstract: "Append in a loop, printing each acknowledgement (for tests).",
        shouldDisplay: false)

    @OptionGroup var store: StoreOptions

    @Option(help: "Concurrent appenders.")
    var writers = 4

    @Option(help: "Appends per appender, then exit (default: until killed). Odd rounds append 5 events, even ones 1.")
    var rounds: Int?

    func validate() throws {
        if let rounds, rounds < 1 { throw ValidationError("--rounds must be 1 or more (got \(rounds)).") }
    }

    func run() async throws {
        let rounds = self.rounds ?? Int.max
        try await self.store.withStore(creating: true) { store in
            try await withThrowingTaskGroup(of: Void.self) { group in
                for writer in 0..<writers {
                    group.addTask {
                        for round in 1...rounds {
                            // Alternate multi and single-event appends; each event says which append it belongs to.
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
}
