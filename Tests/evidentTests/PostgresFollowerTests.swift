import Evident
import EvidentTesting
import Foundation
import Testing

/// Positions a reader can trust across processes: writers in several processes append to one PostgreSQL
/// schema at once while another process follows the log.
@Suite("following the log of several writing processes", .onBlockingThreads, .enabled(if: PostgresTestServer.isEnabled))
struct PostgresFollowerTests {
    static let processes = 3
    static let writersPerProcess = 2
    /// Appends per writer: odd rounds append 5 events, even ones 1 (see `evident crash-writer`).
    static let rounds = 60
    static let eventsPerProcess = writersPerProcess * ((rounds + 1) / 2 * 5 + rounds / 2)

    /// One acknowledged append, as `crash-writer` prints it: `ack STREAM FIRST_POSITION COUNT BATCH`.
    struct Ack {
        var stream: String
        var firstPosition: Int
        var count: Int
        var batch: String

        init?(_ line: String) {
            let fields = line.split(separator: " ").map(String.init)
            guard fields.count == 5, fields[0] == "ack", let first = Int(fields[2]), let events = Int(fields[3]) else {
                return nil
            }
            (stream, firstPosition, count, batch) = (fields[1], first, events, fields[4])
        }
    }

    @Test("3 processes append at once while a 4th follows: it sees every event once, in order, with no hole")
    func followerSeesEveryEventOnce() async throws {
        let url = try PostgresTestServer.freshURL(prefix: "follow")
        // One event first: once the follower has printed it, it is following, before any writer starts.
        let seeded = try EvidentBinary.run(["append", "follow:seed", "was_seeded", "--store", url])
        #expect(seeded.status == 0, "\(seeded.error)")
        let total = 1 + Self.processes * Self.eventsPerProcess
        let follower = try BackgroundEvident(["log", "--follow", "--limit", "\(total)", "--json", "--store", url])
        try await follower.waitForLines("the seeded event") { !$0.isEmpty }

        let writers = try (0..<Self.processes).map { _ in
            try BackgroundEvident([
                "crash-writer", "--writers", "\(Self.writersPerProcess)", "--rounds", "\(Self.rounds)", "--store", url,
            ])
        }
        for writer in writers {
            try await writer.waitForExit(timeout: .seconds(300))
            #expect(writer.process.terminationStatus == 0, "\(writer.error.text)")
        }
        // The follower exits once it has printed `total` events (--limit).
        try await follower.waitForExit(timeout: .seconds(300))
        #expect(follower.process.terminationStatus == 0, "\(follower.error.text)")

        let acks = try writers.flatMap { writer in
            try writer.output.lines.current.complete.map { try #require(Ack($0), "not an acknowledgement: \($0)") }
        }
        #expect(acks.count == Self.processes * Self.writersPerProcess * Self.rounds)
        #expect(acks.map(\.count).reduce(0, +) == Self.processes * Self.eventsPerProcess)

        let seen = try follower.output.lines.current.complete.map { try JSON(parsing: $0) }
        let positions = seen.map { Int($0["position"]?.number ?? -1) }
        #expect(positions == Array(1...total), "the follower saw positions out of order, twice or with a hole")
        guard positions == Array(1...total) else { return }
        // Each acknowledged append is where its writer was told, whole and in its order.
        for ack in acks {
            for index in 0..<ack.count {
                let event = seen[ack.firstPosition - 1 + index]
                #expect(event["stream"] == .string(ack.stream), "ack \(ack.batch)")
                #expect(event["data"] == ["batch": .string(ack.batch), "index": .int(index), "count": .int(ack.count)])
            }
        }
    }
}
