import Evident
import EvidentSQLite
import EvidentTesting
import Foundation
import Testing

/// Kills real writer processes with SIGKILL at random points of their work and checks that nothing acknowledged is lost
/// and nothing is half-written.
@Suite("Crash safety", .onBlockingThreads, .serialized)
struct CrashSafetyTests {
    struct Ack: Hashable {
        var stream: String
        var firstPosition: Int64
        var count: Int
        var batch: String
    }

    /// Starts `crash-writer` processes on `database`, waits until each has printed `acknowledged` appends,
    /// kills them with SIGKILL, and returns the acknowledgements they printed. They never stop on their own,
    /// so each kill lands while they write.
    func runAndKill(database: String, processes: Int, acknowledged: Int) async throws -> [Ack] {
        let writers = try (0..<processes).map { _ in
            try BackgroundEvident(["crash-writer", "--db", database, "--writers", "4"])
        }
        // All are writing before any is killed.
        for writer in writers {
            try await writer.waitForLines("\(acknowledged) acknowledged appends") { $0.count >= acknowledged }
        }
        var acks: [Ack] = []
        for writer in writers {
            writer.kill()
            #expect(writer.process.terminationReason == .uncaughtSignal, "the writer died before it was killed")
            // Only whole lines count: a line cut by the kill was never fully printed.
            for line in writer.output.lines.current.complete {
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
            // Every third round, two processes write to the same file at once. Each is killed after a random
            // number of acknowledged appends, so at a different point of its work every round.
            let processes = round % 3 == 2 ? 2 : 1
            let acknowledged = Int.random(in: 10...150, using: &generator)
            acks += try await runAndKill(database: database, processes: processes, acknowledged: acknowledged)
        }

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
