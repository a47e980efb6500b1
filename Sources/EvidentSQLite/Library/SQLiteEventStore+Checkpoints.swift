public import Evident
import GRDB

extension SQLiteEventStore: CheckpointStore {
    public func checkpoint(of consumer: String) async throws -> Int64 {
        try await read { db in try SQLiteCheckpoints.load(db, consumer: consumer) }
    }

    public func saveCheckpoint(_ position: Int64, of consumer: String) async throws {
        try await write { db in try SQLiteCheckpoints.save(db, consumer: consumer, position: position) }
    }

    public func park(_ event: ParkedEvent) async throws {
        try await write { db in try SQLiteCheckpoints.park(db, event) }
    }

    public func parkedEvents(of consumer: String) async throws -> [ParkedEvent] {
        try await read { db in try SQLiteCheckpoints.parked(db, consumer: consumer) }
    }

    public func unpark(position: Int64, of consumer: String) async throws {
        try await write { db in try SQLiteCheckpoints.unpark(db, consumer: consumer, position: position) }
    }

    public func reset(_ consumer: String) async throws {
        try await write { db in try SQLiteCheckpoints.reset(db, consumer: consumer) }
    }
}

extension SQLiteEventStore: ConsumerListing {
    /// Where every projection and reactor with a checkpoint in this database stands: checkpoint, the log's
    /// head, lag and parked events, by name.
    public func consumerStatuses() async throws -> [ProjectionStatus] {
        try await read { db in
            let head = try Self.head(db)
            return try Row.fetchAll(
                db,
                sql: """
                    SELECT c.consumer, c.position,
                        (SELECT count(*) FROM evident_parked_events p WHERE p.consumer = c.consumer)
                    FROM evident_checkpoints c ORDER BY c.consumer
                    """
            ).map { row in ProjectionStatus(name: row[0], checkpoint: row[1], head: head, parked: row[2]) }
        }
    }
}
