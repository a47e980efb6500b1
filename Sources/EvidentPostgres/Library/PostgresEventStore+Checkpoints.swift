public import Evident
import PostgresNIO

extension PostgresEventStore: CheckpointStore, ConsumerListing {
    public func checkpoint(of consumer: String) async throws -> Int64 {
        try await withConnection { [checkpoints, logger] in try await checkpoints.load(consumer, on: $0, logger: logger)
        }
    }

    public func saveCheckpoint(_ position: Int64, of consumer: String) async throws {
        try await withConnection { [checkpoints, logger] in
            try await checkpoints.save(consumer, position: position, on: $0, logger: logger)
        }
    }

    public func park(_ event: ParkedEvent) async throws {
        try await withConnection { [checkpoints, logger] in try await checkpoints.park(event, on: $0, logger: logger) }
    }

    public func parkedEvents(of consumer: String) async throws -> [ParkedEvent] {
        try await withConnection { [checkpoints, logger] in
            try await checkpoints.parked(consumer, on: $0, logger: logger)
        }
    }

    public func unpark(position: Int64, of consumer: String) async throws {
        try await withConnection { [checkpoints, logger] in
            try await checkpoints.unpark(consumer, position: position, on: $0, logger: logger)
        }
    }

    public func reset(_ consumer: String) async throws {
        try await withConnection { [checkpoints, logger] in
            try await checkpoints.reset(consumer, on: $0, logger: logger)
        }
    }

    var checkpoints: PostgresCheckpoints { PostgresCheckpoints(schema: schema) }

    /// Where every projection and reactor with a checkpoint in this schema stands, whichever process runs it:
    /// checkpoint, the log's head, lag and parked events, by name.
    public func consumerStatuses() async throws -> [ProjectionStatus] {
        let query = PostgresQuery(
            unsafeSQL: schema.qualify(
                """
                SELECT c.consumer, c.position, h.position,
                    (SELECT count(*) FROM {s}.parked_events p WHERE p.consumer = c.consumer)
                FROM {s}.checkpoints c CROSS JOIN {s}.log_head h ORDER BY c.consumer
                """))
        return try await withConnection { [logger] connection in
            var statuses: [ProjectionStatus] = []
            for try await (name, checkpoint, head, parked) in try await connection.query(query, logger: logger)
                .decode((String, Int64, Int64, Int).self)
            {
                statuses.append(ProjectionStatus(name: name, checkpoint: checkpoint, head: head, parked: parked))
            }
            return statuses
        }
    }
}
