import Evident
import Foundation
import GRDB

/// The statements on `evident_checkpoints` and `evident_parked_events`, shared by the store's
/// ``CheckpointStore`` conformance and ``SQLiteProjectionConsumer``.
enum SQLiteCheckpoints {
    static func now() -> Int64 { Date().unixMilliseconds }

    static func load(_ db: Database, consumer: String) throws -> Int64 {
        try Int64.fetchOne(
            db, sql: "SELECT position FROM evident_checkpoints WHERE consumer = ?", arguments: [consumer])
            ?? 0
    }

    static func save(_ db: Database, consumer: String, position: Int64) throws {
        try db.execute(
            sql: """
                INSERT INTO evident_checkpoints (consumer, position, updated_at) VALUES (?, ?, ?)
                ON CONFLICT (consumer) DO UPDATE SET position = excluded.position, updated_at = excluded.updated_at
                """, arguments: [consumer, position, now()])
    }

    static func park(_ db: Database, _ event: ParkedEvent) throws {
        try db.execute(
            sql: """
                INSERT OR REPLACE INTO evident_parked_events
                    (consumer, position, event_id, stream, type, error, attempts, parked_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [
                event.consumer, event.position, event.eventId, event.stream.description, event.eventType, event.error,
                event.attempts, event.parkedAt.unixMilliseconds,
            ])
        try save(db, consumer: event.consumer, position: max(try load(db, consumer: event.consumer), event.position))
    }

    static func parked(_ db: Database, consumer: String) throws -> [ParkedEvent] {
        try Row.fetchAll(
            db,
            sql: """
                SELECT position, event_id, stream, type, error, attempts, parked_at FROM evident_parked_events
                WHERE consumer = ? ORDER BY position
                """, arguments: [consumer]
        ).map { row in
            ParkedEvent(
                consumer: consumer, position: row[0], eventId: row[1], stream: StreamName(trustedName: row[2]),
                eventType: row[3], error: row[4], attempts: row[5],
                parkedAt: Date(unixMilliseconds: row[6]))
        }
    }

    static func unpark(_ db: Database, consumer: String, position: Int64) throws {
        try db.execute(
            sql: "DELETE FROM evident_parked_events WHERE consumer = ? AND position = ?",
            arguments: [consumer, position])
    }

    static func reset(_ db: Database, consumer: String) throws {
        try db.execute(sql: "DELETE FROM evident_checkpoints WHERE consumer = ?", arguments: [consumer])
        try db.execute(sql: "DELETE FROM evident_parked_events WHERE consumer = ?", arguments: [consumer])
    }
}
