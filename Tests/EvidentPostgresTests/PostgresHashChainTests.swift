import Evident
import EvidentPostgres
import EvidentTesting
import Foundation
import Logging
import PostgresNIO
import Testing

/// The hash chain against tampering in the tables themselves, past the triggers (as `psql` would).
@Suite("PostgreSQL hash chain", .enabled(if: PostgresTestServer.isEnabled))
struct PostgresHashChainTests {
    /// Each tampering, as SQL on the schema `{s}`, and the position the chain must fail at.
    static let tamperings: [(sql: String, position: Int64)] = [
        ("UPDATE {s}.events SET data = data || ' ' WHERE position = 3", 3),
        ("UPDATE {s}.events SET type = 'was_forged' WHERE position = 5", 5),
        ("UPDATE {s}.events SET recorded_at = recorded_at + 1 WHERE position = 2", 2),
        ("DELETE FROM {s}.events WHERE position = 4", 4),
        (
            """
            UPDATE {s}.events SET position = -position WHERE position IN (3, 4);
            UPDATE {s}.events SET position = CASE position WHEN -3 THEN 4 ELSE 3 END WHERE position < 0
            """, 3
        ),
    ]

    @Test("the triggers refuse changes; each tampering past them is caught where it was made")
    func tampering() async throws {
        try await PostgresStores.with { stores in
            for (sql, position) in Self.tamperings {
                let store = try await stores.open()
                for index in 0..<6 {
                    try await store.append(
                        [NewEvent(type: "was_noted", data: ["n": .int(index)])], to: try StreamName("note:\(index % 2)")
                    )
                }
                guard case .success = try await LogVerifier.verify(store) else {
                    Issue.record("an untouched log does not verify")
                    return
                }
                let schema = store.configuration.schema
                await #expect(throws: (any Error).self) {
                    try await Self.run("DELETE FROM \(schema).events WHERE position = 1", on: store)
                }
                try await Self.run(
                    "ALTER TABLE \(schema).events DISABLE TRIGGER USER; "
                        + sql.replacingOccurrences(of: "{s}", with: schema), on: store)
                let result = try await LogVerifier.verify(store)
                guard case .failure(let failure) = result else {
                    Issue.record("not caught: \(sql)")
                    continue
                }
                #expect(failure.position == position, "\(sql): \(failure)")
            }
        }
    }

    /// Runs statements separated by `;` on one of the store's connections.
    static func run(_ sql: String, on store: PostgresEventStore) async throws {
        try await store.withConnection { connection in
            for statement in sql.split(separator: ";") {
                _ = try await connection.query(
                    PostgresQuery(unsafeSQL: String(statement)), logger: Logger(label: "test"))
            }
        }
    }
}
