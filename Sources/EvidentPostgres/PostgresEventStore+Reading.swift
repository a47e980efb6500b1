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
        let query =
            switch direction {
            case .forward:
                // Versions are dense (1, 2, 3, … every append and import checks it), so a page is a range of
                // versions. Bounding it on both sides keeps the scan to the page when the planner has no statistics
                // for the stream yet (a new table, a new stream): without the upper bound it chose a bitmap scan of
                // the rest of the stream and a sort, for every page (EXPLAIN ANALYZE: 4 ms instead of 0.6 for a page
                // of 1,000 at the start of a 10,000-event stream).
                PostgresQuery(
                    unsafeSQL: schema.qualify(
                        """
                        SELECT \(Self.columns) FROM {s}.events WHERE stream = $1 AND version >= $2 AND version < $3
                        ORDER BY version LIMIT $4
                        """),
                    binds: Self.forwardPage(stream: stream, from: version, limit: limit))
            case .backward:
                PostgresQuery(
                    unsafeSQL: schema.qualify(
                        """
                        SELECT \(Self.columns) FROM {s}.events WHERE stream = $1 AND version <= $2
                        ORDER BY version DESC LIMIT $3
                        """), binds: bindings(stream.description, min(version, Int(Int32.max)), limit))
            }
        return try await fetchEvents(query, stream: stream)
    }

    /// The bindings of a forward page of `stream`: its versions `from` (at least 1) up to `limit` more.
    private static func forwardPage(stream: StreamName, from version: Int, limit: Int) -> PostgresBindings {
        let first = Int64(min(max(version, 1), Int(Int32.max)))
        let (end, overflow) = first.addingReportingOverflow(Int64(limit))
        return bindings(stream.description, first, overflow ? Int64.max : end, limit)
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
    ///
    /// Column by column, each with its own type, and the JSON texts parsed from the row's bytes: decoding the row as
    /// one tuple through postgres-nio's variadic `decode` took a third of the reading benchmark's CPU time, mostly
    /// in generic metadata look-ups (`perf`), against 4 % for parsing the JSON.
    static func events(_ query: PostgresQuery, stream: StreamName?, on connection: PostgresConnection, logger: Logger)
        async throws -> [RecordedEvent]
    {
        var events: [RecordedEvent] = []
        var previous: (bytes: ByteBuffer, name: StreamName)?
        let rows = try await connection.query(query, logger: logger)
        for try await row in rows {
            var cells = EventCells(row)
            let id = try cells.next().decode(UUID.self)
            let streamCell = try cells.next()
            var name = stream
            if name == nil {
                // Consecutive events of one stream share their name.
                let bytes = try streamCell.text()
                if previous?.bytes != bytes {
                    previous = (bytes, StreamName(trustedName: String(buffer: bytes)))
                }
                name = previous?.name
            }
            let type = try cells.next().decode(String.self)
            let data = try cells.next().json()
            let metadataCell = try cells.next()
            let metadata =
                try metadataCell.text().readableBytesView.elementsEqual("{}".utf8)
                ? EventMetadata() : try EventMetadata(json: metadataCell.json())
            events.append(
                RecordedEvent(
                    id: id, stream: name!, type: type, data: data, metadata: metadata,
                    version: try cells.next().decode(Int.self), position: try cells.next().decode(Int64.self),
                    recordedAt: Date(unixMilliseconds: try cells.next().decode(Int64.self))))
        }
        return events
    }
}

/// The cells of one row of `columns`, in order.
private struct EventCells {
    private var iterator: PostgresRow.Iterator

    init(_ row: PostgresRow) {
        iterator = row.makeIterator()
    }

    mutating func next() throws -> PostgresCell {
        guard let cell = iterator.next() else {
            throw EventStoreError(code: .storageFailure, message: "A row of events has fewer columns than asked for.")
        }
        return cell
    }
}

extension PostgresCell {
    /// The bytes of a text column: its UTF-8 text, in either format.
    fileprivate func text() throws -> ByteBuffer {
        guard let bytes else {
            throw EventStoreError(code: .storageFailure, message: "The column \(columnName) of an event is NULL.")
        }
        return bytes
    }

    /// A text column's JSON, parsed in place.
    fileprivate func json() throws -> JSON {
        try text().withUnsafeReadableBytes { try JSON(parsing: $0) }
    }

    /// The cell's value as `T`, decoded in the cell's format.
    fileprivate func decode<T: PostgresDecodable>(_ type: T.Type) throws -> T {
        try decode(type, context: .default)
    }
}
