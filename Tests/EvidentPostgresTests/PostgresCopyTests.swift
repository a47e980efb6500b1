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
            #expect(next.firstPosition == Int64(StoreCopyFixture.counts.events) + 1)
            // And reads the source's personal data with the copied keys.
            let customer = try StreamName("customer:customer-1")
            #expect(
                try await PrivacyEventStore(postgres).readStream(customer)[0].data["email"] == "customer-1@example.com")
            #expect(try await PrivacyEventStore(back).readStream(customer)[0].data["email"] == "customer-1@example.com")
            let forgotten = try await PrivacyEventStore(back).status(ofSubject: "customer-2")
            guard case .forgotten(let receipt?) = forgotten else {
                Issue.record("the forgotten subject is not forgotten in the copy: \(forgotten)")
                return
            }
            #expect(receipt.reason == "asked to")
            let replay = try await postgres.append(
                [StreamAppend(stream: try StreamName("order:1"), events: [NewEvent(type: "was_placed")])],
                idempotency: Idempotency(key: "order-1", fingerprint: "f1"))
            #expect(replay.first?.isReplay == true)
        }
    }
}
