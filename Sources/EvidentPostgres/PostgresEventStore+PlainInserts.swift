import Foundation
import Logging
import PostgresNIO

extension PostgresEventStore {
    /// Lends `body` plain inserts into a table of their own, in a fresh schema created for the purpose and
    /// dropped afterwards (also when `body` throws), on this store's connections and settings: what the server
    /// allows without Evident, for `evident bench`'s baseline.
    package func withPlainInserts<T>(_ body: (PlainInserts) async throws -> T) async throws -> T {
        // A name `PostgresStoreConfiguration.isIdentifier(_:)` accepts, so it can be written unquoted.
        let schema = "evident_baseline_\(UUID().uuidString.lowercased().filter(\.isHexDigit).prefix(16))"
        try await execute(unsafeSQL: "CREATE SCHEMA \(schema)")
        do {
            try await execute(
                unsafeSQL:
                    "CREATE TABLE \(schema).rows (id bigserial PRIMARY KEY, stream text NOT NULL, data text NOT NULL)"
            )
            let result = try await body(PlainInserts(client: client, table: "\(schema).rows", logger: logger))
            try await execute(unsafeSQL: "DROP SCHEMA \(schema) CASCADE")
            return result
        } catch {
            try? await execute(unsafeSQL: "DROP SCHEMA \(schema) CASCADE")
            throw error
        }
    }

    /// The values of the server's settings `names` (as `SHOW` gives them), for reports; unknown names are left
    /// out.
    package func serverSettings(_ names: [String]) async throws -> [String: String] {
        try await withConnection { [logger] connection in
            let rows = try await connection.query(
                "SELECT name, setting FROM pg_settings WHERE name = ANY(\(names))", logger: logger)
            var settings: [String: String] = [:]
            for try await (name, setting) in rows.decode((String, String).self) { settings[name] = setting }
            return settings
        }
    }

    /// Inserts of `(stream, data)` rows into a table with a `bigserial` key, like the events' table without its
    /// `(stream, version)` index and its log head.
    package struct PlainInserts: Sendable {
        let client: PostgresClient
        let table: String
        let logger: Logger

        /// Inserts one row per stream name in `streams` on one connection, one `INSERT` in its own transaction
        /// (autocommit) each: one round trip and one commit per row.
        package func oneTransactionPerRow(streams: [String], data: String) async throws {
            let insert = "INSERT INTO \(table) (stream, data) VALUES ($1, $2)"
            // On one connection of the pool, without the store's deadline: the loop may take longer than the
            // statement timeout, which still bounds each statement.
            try await client.withConnection { connection in
                for stream in streams {
                    try await connection.query(
                        PostgresQuery(unsafeSQL: insert, binds: bindings(stream, data)), logger: logger)
                }
            }
        }

        /// Inserts one row per stream name in `streams` in one transaction of one statement (arrays of values,
        /// as the store writes a batch): PostgreSQL's ceiling for batched writes.
        package func oneTransaction(streams: [String], data: String) async throws {
            let insert = "INSERT INTO \(table) (stream, data) SELECT unnest($1::text[]), $2"
            _ = try await client.withConnection { connection in
                try await connection.query(
                    PostgresQuery(unsafeSQL: insert, binds: bindings(streams, data)), logger: logger)
            }
        }
    }
}
