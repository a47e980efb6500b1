public import Evident
import Foundation
import PostgresNIO

extension PostgresEventStore: SnapshotStore {
    public func snapshot(of stream: StreamName) async throws -> Snapshot? {
        let query = PostgresQuery(
            unsafeSQL: schema.qualify("SELECT version, schema_version, state FROM {s}.snapshots WHERE stream = $1"),
            binds: bindings(stream.description))
        let row = try await withConnection { [logger] connection in
            try await connection.query(query, logger: logger).decode((Int, Int, String).self).first { _ in true }
        }
        return try row.map { version, schemaVersion, state in
            Snapshot(stream: stream, version: version, schemaVersion: schemaVersion, state: try JSON(parsing: state))
        }
    }

    public func saveSnapshot(_ snapshot: Snapshot) async throws {
        let query = PostgresQuery(
            unsafeSQL: schema.qualify(
                """
                INSERT INTO {s}.snapshots (stream, version, schema_version, state, saved_at) VALUES ($1, $2, $3, $4, $5)
                ON CONFLICT (stream) DO UPDATE SET version = excluded.version, schema_version = excluded.schema_version,
                    state = excluded.state, saved_at = excluded.saved_at
                """),
            binds: bindings(
                snapshot.stream.description, snapshot.version, snapshot.schemaVersion,
                snapshot.state.serializedString(), Date().unixMilliseconds))
        try await withConnection { [logger] connection in _ = try await connection.query(query, logger: logger) }
    }

    public func deleteSnapshot(of stream: StreamName) async throws {
        let query = PostgresQuery(
            unsafeSQL: schema.qualify("DELETE FROM {s}.snapshots WHERE stream = $1"),
            binds: bindings(stream.description))
        try await withConnection { [logger] connection in _ = try await connection.query(query, logger: logger) }
    }
}
