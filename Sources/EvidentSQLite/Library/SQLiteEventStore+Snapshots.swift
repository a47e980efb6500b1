public import Evident
import Foundation
import GRDB

extension SQLiteEventStore: SnapshotStore {
    public func snapshot(of stream: StreamName) async throws -> Snapshot? {
        let name = stream.description
        return try await read { db in
            guard
                let row = try Row.fetchOne(
                    db, sql: "SELECT version, schema_version, state FROM evident_snapshots WHERE stream = ?",
                    arguments: [name])
            else { return nil }
            return Snapshot(
                stream: stream, version: row[0], schemaVersion: row[1], state: try JSON(parsing: row[2] as String))
        }
    }

    public func saveSnapshot(_ snapshot: Snapshot) async throws {
        let arguments: StatementArguments = [
            snapshot.stream.description, snapshot.version, snapshot.schemaVersion, snapshot.state.serializedString(),
            Date().unixMilliseconds,
        ]
        try await write { db in
            try db.execute(
                sql: """
                    INSERT INTO evident_snapshots (stream, version, schema_version, state, saved_at)
                    VALUES (?, ?, ?, ?, ?)
                    ON CONFLICT (stream) DO UPDATE SET version = excluded.version,
                        schema_version = excluded.schema_version, state = excluded.state, saved_at = excluded.saved_at
                    """, arguments: arguments)
        }
    }

    public func deleteSnapshot(of stream: StreamName) async throws {
        let name = stream.description
        try await write { db in
            try db.execute(sql: "DELETE FROM evident_snapshots WHERE stream = ?", arguments: [name])
        }
    }

    /// Runs `body` in a write transaction outside the group-commit writer (for snapshots, checkpoints and
    /// projections), translating database errors; a ``ProjectionFailure`` (a projection's own error) passes.
    ///
    /// GRDB's asynchronous `write` runs `body` on its writer's dispatch queue, not on the calling thread.
    func write<T: Sendable>(_ body: @Sendable @escaping (Database) throws -> T) async throws -> T {
        try checkWritable()
        do {
            return try await pool.write(body)
        } catch let failure as ProjectionFailure {
            throw failure
        } catch {
            throw SQLiteErrors.translate(error, path: path)
        }
    }
}
