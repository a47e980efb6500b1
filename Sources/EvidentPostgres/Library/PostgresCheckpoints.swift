import Evident
import Foundation
import Logging
import PostgresNIO

/// The statements on `checkpoints` and `parked_events`, shared by the store's ``CheckpointStore`` conformance
/// and ``PostgresProjectionConsumer`` (which runs them in the transaction of the projection's writes).
struct PostgresCheckpoints: Sendable {
    let schema: PostgresSchema

    func load(_ consumer: String, on connection: PostgresConnection, logger: Logger) async throws -> Int64 {
        try await connection.query(
            PostgresQuery(
                unsafeSQL: schema.qualify("SELECT position FROM {s}.checkpoints WHERE consumer = $1"),
                binds: bindings(consumer)), logger: logger
        ).decode(Int64.self).first { _ in true } ?? 0
    }

    func save(_ consumer: String, position: Int64, on connection: PostgresConnection, logger: Logger) async throws {
        try await connection.query(
            PostgresQuery(
                unsafeSQL: schema.qualify(
                    """
                    INSERT INTO {s}.checkpoints (consumer, position, updated_at) VALUES ($1, $2, $3)
                    ON CONFLICT (consumer) DO UPDATE SET position = excluded.position, updated_at = excluded.updated_at
                    """), binds: bindings(consumer, position, Date().unixMilliseconds)), logger: logger)
    }

    /// Keeps `event`, replacing an earlier record of its position, and moves the checkpoint to at least its
    /// position, in one statement.
    func park(_ event: ParkedEvent, on connection: PostgresConnection, logger: Logger) async throws {
        try await connection.query(
            PostgresQuery(
                unsafeSQL: schema.qualify(
                    """
                    WITH parked AS (
                        INSERT INTO {s}.parked_events
                            (consumer, position, event_id, stream, type, error, attempts, parked_at)
                        VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
                        ON CONFLICT (consumer, position) DO UPDATE SET event_id = excluded.event_id,
                            stream = excluded.stream, type = excluded.type, error = excluded.error,
                            attempts = excluded.attempts, parked_at = excluded.parked_at
                    )
                    INSERT INTO {s}.checkpoints AS c (consumer, position, updated_at) VALUES ($1, $2, $9)
                    ON CONFLICT (consumer) DO UPDATE SET position = greatest(c.position, excluded.position),
                        updated_at = excluded.updated_at
                    """),
                binds: bindings(
                    event.consumer, event.position, event.eventId, event.stream.description, event.eventType,
                    event.error, event.attempts, event.parkedAt.unixMilliseconds, Date().unixMilliseconds)),
            logger: logger)
    }

    func parked(_ consumer: String, on connection: PostgresConnection, logger: Logger) async throws -> [ParkedEvent] {
        let rows = try await connection.query(
            PostgresQuery(
                unsafeSQL: schema.qualify(
                    """
                    SELECT position, event_id, stream, type, error, attempts, parked_at FROM {s}.parked_events
                    WHERE consumer = $1 ORDER BY position
                    """), binds: bindings(consumer)), logger: logger)
        var parked: [ParkedEvent] = []
        for try await (position, eventId, stream, type, error, attempts, parkedAt) in rows.decode(
            (Int64, UUID, String, String, String, Int, Int64).self)
        {
            parked.append(
                ParkedEvent(
                    consumer: consumer, position: position, eventId: eventId, stream: StreamName(trustedName: stream),
                    eventType: type, error: error, attempts: attempts, parkedAt: Date(unixMilliseconds: parkedAt)))
        }
        return parked
    }

    func unpark(_ consumer: String, position: Int64, on connection: PostgresConnection, logger: Logger) async throws {
        try await connection.query(
            PostgresQuery(
                unsafeSQL: schema.qualify("DELETE FROM {s}.parked_events WHERE consumer = $1 AND position = $2"),
                binds: bindings(consumer, position)), logger: logger)
    }

    func reset(_ consumer: String, on connection: PostgresConnection, logger: Logger) async throws {
        try await connection.query(
            PostgresQuery(
                unsafeSQL: schema.qualify(
                    """
                    WITH parked AS (DELETE FROM {s}.parked_events WHERE consumer = $1)
                    DELETE FROM {s}.checkpoints WHERE consumer = $1
                    """), binds: bindings(consumer)), logger: logger)
    }
}
