import Evident
import EvidentPostgres
import EvidentSQLite
import EvidentTesting
import Testing

@Suite("Copying between SQLite and PostgreSQL", .enabled(if: PostgresTestServer.isEnabled))
struct PostgresCopyTests {
    @Test("SQLite to PostgreSQL and back: the copies hold everything, in the same positions")
    func roundTrip() async throws {
        try await PostgresStores.with { stores in
            let directory = try TemporaryDirectory()
            let source = try SQLiteEventStore(path: directory.file("source.sqlite"))
            try await StoreCopyFixture.fill(source)
            let postgres = try await stores.open()
            #expect(try await StoreCopy.run(from: source, to: postgres, pageSize: 7) == StoreCopyFixture.counts)
            let back = try SQLiteEventStore(path: directory.file("back.sqlite"))
            #expect(try await StoreCopy.run(from: postgres, to: back, pageSize: 9) == StoreCopyFixture.counts)
            // The copy goes on where the source stopped, and keeps the source's idempotency keys.
            let next = try await postgres.append([NewEvent(type: "was_noted")], to: StreamName("account:1"))
            #expect(next.firstPosition == 41)
            let replay = try await postgres.append(
                [StreamAppend(stream: try StreamName("order:1"), events: [NewEvent(type: "was_placed")])],
                idempotency: Idempotency(key: "order-1", fingerprint: "f1"))
            #expect(replay.first?.isReplay == true)
        }
    }
}
