import Evident
import EvidentPostgres
@testable import EvidentSQLite
import EvidentServer
import HTTPTypes
import GRDB
import Logging
import PostgresNIO
import Testing

@Suite("HTTP API: the record of chain verifications")
struct VerificationRecordTests {
    @Test(
        "each GET /_verify is recorded and listed newest first; a read key reads them but cannot verify",
        arguments: StoreKind.all)
    func recordedNewestFirst(_ kind: StoreKind) async throws {
        let server = try await TestServer(kind)
        try await server.test { client in
            #expect(try await client.get("/_audit/verifications")["verifications"] == [])
            let cart = Fixture.id()
            try await client.post("/cart/\(cart)/was_opened", Fixture.event(["customer_id": "c"]))
            try await client.post("/cart/\(cart)/item_was_added", Fixture.event(Fixture.item))
            let admin = try #require(try await client.post("/_keys", ["scope": "admin"])["key"]?.string)
            let adminID = try #require(try await client.get("/_whoami", headers: bearer(admin))["key_id"]?.string)
            let read = try #require(
                try await client.post("/_keys", ["scope": "read"], headers: bearer(admin))["key"]?.string)

            let first = try await client.get("/_verify", headers: bearer(admin))
            let second = try await client.get("/_verify?from=2", headers: bearer(admin))
            #expect(first.status == .ok && second.status == .ok, "\(first.text) \(second.text)")
            // The second run checks the record of the first too.
            #expect(second["head"] == .int((first["head"]?.number).map { Int($0) + 1 } ?? 0))

            #expect(try await client.get("/_verify", headers: bearer(read)).status == .forbidden)
            let listed = try await client.get("/_audit/verifications", headers: bearer(read))
            #expect(listed.status == .ok, "\(listed.text)")
            let runs = try #require(listed["verifications"]?.array, "\(listed.text)")
            #expect(runs.count == 2, "the refused run is not recorded: \(listed.text)")
            for (run, answer, from) in [(runs[0], second, 2), (runs[1], first, 1)] {
                #expect(run["from"] == .int(from))
                #expect(run["through"] == answer["head"])
                #expect(run["hash"] == answer["hash"])
                #expect(run["events"] == answer["verified"])
                #expect(run["ok"] == true && run["tampered_at"] == nil)
                #expect(run["key"]?.string == adminID)
                #expect(run["verified_at"]?.string != nil)
            }
            #expect((runs[0]["position"]?.number ?? 0) > (runs[1]["position"]?.number ?? 0))

            let latest = try await client.get("/_audit/verifications?limit=1", headers: bearer(read))
            #expect(latest["verifications"]?.array?.map { $0["from"] } == [2])
            for limit in ["0", "101", "x"] {
                let refused = try await client.get("/_audit/verifications?limit=\(limit)", headers: bearer(read))
                #expect(refused.status == .badRequest, "limit=\(limit): \(refused.text)")
            }
        }
    }

    @Test("a run over a tampered log is recorded with ok false and where it was tampered", arguments: StoreKind.all)
    func tamperedIsRecorded(_ kind: StoreKind) async throws {
        let server = try await TestServer(kind)
        try await server.test { client in
            let cart = Fixture.id()
            try await client.post("/cart/\(cart)/was_opened", Fixture.event(["customer_id": "c"]))
            for _ in 0..<3 { try await client.post("/cart/\(cart)/item_was_added", Fixture.event(Fixture.item)) }
            let events = try await client.get("/cart/\(cart)/events")["events"]?.array ?? []
            let position = try #require(events[2]["position"]?.number.map { Int64($0) })
            try await Self.tamper(server.server.store, at: position)

            let verified = try await client.get("/_verify")
            #expect(verified["tampered"] == .int(Int(position)), "\(verified.text)")
            let run = try #require(try await client.get("/_audit/verifications")["verifications"]?.array?.first)
            #expect(run["ok"] == false)
            #expect(run["tampered_at"] == .int(Int(position)))
            #expect(run["through"] == .int(Int(position)))
            #expect(run["reason"]?.string == verified["reason"]?.string && run["reason"]?.string != nil)
            #expect(run["key"] == .null, "no key: the server is open on loopback")
        }
    }

    /// Changes the type of the event at `position` past the store's triggers, as `sqlite3` or `psql` would.
    static func tamper(_ store: any EventStore, at position: Int64) async throws {
        let base = (store as? PrivacyEventStore)?.base ?? store
        if let sqlite = base as? SQLiteEventStore {
            try await sqlite.pool.write { db in
                try db.execute(sql: "DROP TRIGGER evident_events_are_never_changed")
                try db.execute(
                    sql: "UPDATE evident_events SET type = 'was_forged' WHERE position = ?", arguments: [position])
            }
        } else if let postgres = base as? PostgresEventStore {
            let schema = postgres.configuration.schema
            try await postgres.withConnection { connection in
                for sql in [
                    "ALTER TABLE \(schema).events DISABLE TRIGGER USER",
                    "UPDATE \(schema).events SET type = 'was_forged' WHERE position = \(position)",
                ] {
                    _ = try await connection.query(PostgresQuery(unsafeSQL: sql), logger: Logger(label: "test"))
                }
            }
        } else {
            Issue.record("no way to tamper with \(type(of: base))")
        }
    }
}
