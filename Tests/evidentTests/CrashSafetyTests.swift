import Evident
import EvidentSQLite
import EvidentTesting
import Foundation
import Testing

/// Kills real writer processes with SIGKILL at random moments and checks that nothing acknowledged is lost
/// and nothing is half-written.
@Suite("Crash safety", .serialized)
struct CrashSafetyTests {
    struct Ack: Hashable {
        var stream: String
        var firstPosition: Int64
        var count: Int
        var batch: String
    }

    /// Starts `crash-writer` processes on `database`, kills them all with SIGKILL after `delay`, and
    /// returns the acknowledgements they printed.
    func runAndKill(database: String, processes: Int, delay: Duration, directory: TemporaryDirectory) async throws
        -> [Ack]
    {
        var running: [(Process, String)] = []
        for index in 0..<processes {
            let outputPath = directory.file("acks-\(UUID())-\(index).txt")
            FileManager.default.createFile(atPath: outputPath, contents: nil)
            let process = Process()
            process.executableURL = EvidentBinary.url
            process.arguments = ["crash-writer", "--db", database, "--writers", "4"]
            process.standardOutput = FileHandle(forWritingAtPath: outputPath)
            process.standardError = FileHandle.nullDevice
            try process.run()
            running.append((process, outputPath))
        }
        try await Task.sleep(for: delay)
        for (process, _) in running { kill(process.processIdentifier, SIGKILL) }
        var acks: [Ack] = []
        for (process, outputPath) in running {
            process.waitUntilExit()
            #expect(process.terminationReason == .uncaughtSignal, "the writer died before it was killed")
            let text = try String(contentsOfFile: outputPath, encoding: .utf8)
            // Only whole lines count: a line cut by the kill was never fully printed.
            for line in text.split(separator: "\n", omittingEmptySubsequences: false).dropLast() {
                let fields = line.split(separator: " ")
                try #require(fields.count == 5 && fields[0] == "ack", "unexpected output: \(line)")
                acks.append(
                    Ack(
                        stream: String(fields[1]), firstPosition: Int64(fields[2])!, count: Int(fields[3])!,
                        batch: String(fields[4])))
            }
        }
        return acks
    }

    @Test("every acknowledged append survives SIGKILL; no append is half-written")
    func killedWriters() async throws {
        let directory = try TemporaryDirectory()
        let database = directory.file("crash.sqlite")
        var acks: [Ack] = []
        var generator = SystemRandomNumberGenerator()
        for round in 0..<12 {
            // Every third round, two processes write to the same file at once.
            let processes = round % 3 == 2 ? 2 : 1
            let delay = Duration.milliseconds(Int.random(in: 150...900, using: &generator))
            acks += try await runAndKill(database: database, processes: processes, delay: delay, directory: directory)
        }
        #expect(acks.count > 100, "the writers acknowledged too few appends to prove anything")

        let store = try SQLiteEventStore(path: database)
        var events: [RecordedEvent] = []
        while true {
            let page = try await store.readLog(after: events.last?.position ?? 0, filter: .all, limit: 5_000)
            guard !page.isEmpty else { break }
            events += page
        }
        #expect(events.map(\.position) == (1...Int64(events.count)).map { $0 }, "positions are contiguous from 1")
        let byPosition = Dictionary(uniqueKeysWithValues: events.map { ($0.position, $0) })
        for ack in acks {
            for offset in 0..<ack.count {
                let event = byPosition[ack.firstPosition + Int64(offset)]
                #expect(event?.stream.description == ack.stream, "acknowledged event lost at \(ack.firstPosition)")
                #expect(event?.data["batch"]?.string == ack.batch)
            }
        }
        let batches = Dictionary(grouping: events) { $0.data["batch"]?.string ?? "" }
        for (batch, members) in batches {
            let count = Int(members[0].data["count"]?.number ?? -1)
            #expect(members.count == count, "append \(batch) is half-written")
            let positions = members.map(\.position).sorted()
            #expect(positions.last! - positions.first! == Int64(members.count - 1), "append \(batch) is split")
        }
        var versions: [StreamName: Int] = [:]
        for event in events {
            #expect(event.version == versions[event.stream, default: 0] + 1, "versions of \(event.stream) have a gap")
            versions[event.stream] = event.version
        }
    }
}
