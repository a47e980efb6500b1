public import Evident
import Foundation
import GRDB

extension SQLiteEventStore: CopyableStore {
    public func importEvents(_ events: [RecordedEvent]) async throws {
        guard !events.isEmpty else { return }
        try await write { db in
            let head = try Self.head(db)
            guard events.first?.position == head + 1,
                zip(events, events.dropFirst()).allSatisfy({ $1.position == $0.position + 1 })
            else {
                throw EventStoreError.invalidArgument(
                    "Imported events must continue the log at position \(head + 1), without holes.")
            }
            var insert = try ChainedInsert(db)
            var lengths: [StreamName: Int] = [:]
            for event in events {
                let length =
                    try lengths[event.stream]
                    ?? Int.fetchOne(
                        db, sql: "SELECT max(version) FROM evident_events WHERE stream = ?",
                        arguments: [event.stream.description]) ?? 0
                guard event.version == length + 1 else {
                    throw EventStoreError.invalidArgument(
                        "Imported event \(event.position) has version \(event.version) of \(event.stream), which has "
                            + "\(length) events.")
                }
                let hash = try insert.insert(
                    position: event.position, id: event.id, stream: event.stream, version: event.version,
                    type: event.type, data: event.data, metadata: event.metadata,
                    recordedAt: event.recordedAt.unixMilliseconds)
                // The texts are written as the source wrote them, so the chain goes on unchanged.
                if let expected = event.hash, expected != hash {
                    throw EventStoreError(
                        code: .storageFailure,
                        message: "Imported event \(event.position) does not hash as it did in its source; the copy "
                            + "would not prove the same log.")
                }
                lengths[event.stream] = event.version
            }
        }
        watch.advance(to: events.last?.position ?? 0)
    }

    public func idempotencyRecords(after key: String?, limit: Int) async throws -> [IdempotencyRecord] {
        try await read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT key, fingerprint, result, recorded_at FROM evident_idempotency_keys
                    WHERE key > ? ORDER BY key LIMIT ?
                    """, arguments: [key ?? "", limit]
            ).map { row in
                IdempotencyRecord(
                    key: row[0], fingerprint: row[1],
                    results: try IdempotentAppend.results(stored: JSON(parsing: row[2] as String)),
                    recordedAt: Date(unixMilliseconds: row[3]))
            }
        }
    }

    public func importIdempotencyRecords(_ records: [IdempotencyRecord]) async throws {
        try await write { db in
            for record in records {
                try db.execute(
                    sql: """
                        INSERT INTO evident_idempotency_keys (key, fingerprint, result, recorded_at) VALUES (?, ?, ?, ?)
                        """,
                    arguments: [
                        record.key, record.fingerprint, IdempotentAppend.stored(record.results).serializedString(),
                        record.recordedAt.unixMilliseconds,
                    ])
            }
        }
    }

    public func snapshots(after stream: String?, limit: Int) async throws -> [Snapshot] {
        try await read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT stream, version, schema_version, state FROM evident_snapshots
                    WHERE stream > ? ORDER BY stream LIMIT ?
                    """, arguments: [stream ?? "", limit]
            ).map { row in
                Snapshot(
                    stream: StreamName(trustedName: row[0]), version: row[1], schemaVersion: row[2],
                    state: try JSON(parsing: row[3] as String))
            }
        }
    }

    public func checkpoints() async throws -> [(consumer: String, position: Int64)] {
        try await read { db in
            try Row.fetchAll(db, sql: "SELECT consumer, position FROM evident_checkpoints ORDER BY consumer")
                .map { (consumer: $0[0], position: $0[1]) }
        }
    }
}
