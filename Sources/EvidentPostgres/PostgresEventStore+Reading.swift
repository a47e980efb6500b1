public import Evident
import Foundation
import Logging
import PostgresNIO

extension PostgresEventStore {
    private static let columns = "id, stream, type, data, metadata, version, position, recorded_at"

    public func readStream(_ stream: StreamName, from version: Int, direction: ReadDirection, limit: Int)
        async throws -> [RecordedEvent]
    {
        try Self.checkLimit(limit)
        let sql =
            switch direction {
            case .forward:
                "SELECT \(Self.columns) FROM {s}.events WHERE stream = $1 AND version >= $2 ORDER BY version LIMIT $3"
            case .backward:
                "SELECT \(Self.columns) FROM {s}.events WHERE stream = $1 AND version <= $2 ORDER BY version DESC LIMIT $3"
            }
        return try await fetchEvents(
            PostgresQuery(
                unsafeSQL: schema.qualify(sql), binds: bindings(stream.description, min(version, Int(Int32.max)), limit)
            ), stream: stream)
    }

    public func readLog(after position: Int64, filter: LogFilter, limit: Int) async throws -> [RecordedEvent] {
        try Self.checkLimit(limit)
        return try await fetchEvents(logQuery(after: position, filter: filter, limit: limit), stream: nil)
    }

    /// The query of ``readLog(after:filter:limit:)``.
    func logQuery(after position: Int64, filter: LogFilter, limit: Int) -> PostgresQuery {
        var conditions = ["position > $1"]
        var binds = bindings(position)
        if let categories = filter.streamCategories {
            binds.append(categories.sorted())
            conditions.append("category = ANY($\(binds.count))")
        }
        if let types = filter.eventTypes {
            binds.append(types.sorted())
            conditions.append("type = ANY($\(binds.count))")
        }
        if filter.excludesSystemStreams {
            conditions.append("category NOT LIKE '$%'")
        }
        binds.append(limit)
        let sql = """
            SELECT \(Self.columns) FROM {s}.events WHERE \(conditions.joined(separator: " AND "))
            ORDER BY position LIMIT $\(binds.count)
            """
        return PostgresQuery(unsafeSQL: schema.qualify(sql), binds: binds)
    }

    public func streamInfo(_ stream: StreamName) async throws -> StreamInfo? {
        // The first and the last event, each one index look-up.
        let query = PostgresQuery(
            unsafeSQL: schema.qualify(
                """
                SELECT last.version, first.recorded_at, last.recorded_at
                FROM (SELECT version, recorded_at FROM {s}.events WHERE stream = $1 ORDER BY version DESC LIMIT 1) last,
                    (SELECT recorded_at FROM {s}.events WHERE stream = $1 ORDER BY version LIMIT 1) first
                """), binds: bindings(stream.description))
        let row = try await withConnection { [logger] connection in
            try await connection.query(query, logger: logger).decode((Int, Int64, Int64).self)
                .first { _ in true }
        }
        return row.map { length, created, updated in
            StreamInfo(
                stream: stream, length: length, createdAt: Date(unixMilliseconds: created),
                updatedAt: Date(unixMilliseconds: updated))
        }
    }

    public func headPosition() async throws -> Int64 {
        let query = PostgresQuery(unsafeSQL: schema.qualify("SELECT position FROM {s}.log_head"))
        return try await withConnection { [logger] connection in
            try await connection.query(query, logger: logger).decode(Int64.self).first { _ in true } ?? 0
        }
    }

    public func idempotentAppend(forKey key: String) async throws -> IdempotentAppend? {
        let query = PostgresQuery(
            unsafeSQL: schema.qualify("SELECT fingerprint, result FROM {s}.idempotency_keys WHERE key = $1"),
            binds: bindings(key))
        let row = try await withConnection { [logger] connection in
            try await connection.query(query, logger: logger).decode((String, String).self).first { _ in true }
        }
        return try row.map { fingerprint, result in
            IdempotentAppend(
                fingerprint: fingerprint, results: try IdempotentAppend.results(stored: JSON(parsing: result)))
        }
    }

    private static func checkLimit(_ limit: Int) throws {
        guard limit > 0 else { throw EventStoreError.invalidArgument("A read limit must be positive (got \(limit)).") }
    }

    /// Runs a query of `columns` on a connection of the pool and decodes its events; `stream`, when given, is
    /// the stream of every row.
    private func fetchEvents(_ query: PostgresQuery, stream: StreamName?) async throws -> [RecordedEvent] {
        try await withConnection { [logger] connection in
            try await Self.events(query, stream: stream, on: connection, logger: logger)
        }
    }

    /// Runs a query of `columns` on `connection` and decodes its events.
    static func events(_ query: PostgresQuery, stream: StreamName?, on connection: PostgresConnection, logger: Logger)
        async throws -> [RecordedEvent]
    {
        var events: [RecordedEvent] = []
        var previous: (text: String, name: StreamName)?
        let rows = try await connection.query(query, logger: logger)
        for try await (id, streamText, type, data, metadata, version, position, recordedAt) in rows.decode(
            (UUID, String, String, String, String, Int, Int64, Int64).self)
        {
            var name = stream
            if name == nil {
                // Consecutive events of one stream share their name.
                if previous?.text != streamText { previous = (streamText, StreamName(trustedName: streamText)) }
                name = previous?.name
            }
            events.append(
                RecordedEvent(
                    id: id, stream: name!, type: type, data: try JSON(parsing: data),
                    metadata: metadata == "{}" ? EventMetadata() : try EventMetadata(json: JSON(parsing: metadata)),
                    version: version, position: position, recordedAt: Date(unixMilliseconds: recordedAt)))
        }
        return events
    }
}
