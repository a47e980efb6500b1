public import Evident
import Foundation
import GRDB
import GRDBSQLite

extension SQLiteEventStore {
    private static let columns = "id, stream, type, data, metadata, version, position, recorded_at, hash"

    public func readStream(_ stream: StreamName, from version: Int, direction: ReadDirection, limit: Int)
        async throws -> [RecordedEvent]
    {
        try Self.checkLimit(limit)
        let sql =
            switch direction {
            case .forward:
                "SELECT \(Self.columns) FROM evident_events WHERE stream = ? AND version >= ? ORDER BY version LIMIT ?"
            case .backward:
                "SELECT \(Self.columns) FROM evident_events WHERE stream = ? AND version <= ? ORDER BY version DESC LIMIT ?"
            }
        let name = stream.description
        return try await read(singleStatement: true) { db in
            try Self.fetchEvents(db, sql: sql, arguments: [name, version, limit], stream: stream, capacity: limit)
        }
    }

    public func readLog(after position: Int64, filter: LogFilter, limit: Int) async throws -> [RecordedEvent] {
        try Self.checkLimit(limit)
        var conditions = ["position > ?"]
        var arguments: [any DatabaseValueConvertible] = [position]
        if let categories = filter.streamCategories {
            conditions.append("category IN (\(Array(repeating: "?", count: categories.count).joined(separator: ",")))")
            arguments += categories.sorted() as [any DatabaseValueConvertible]
        }
        if let types = filter.eventTypes {
            conditions.append("type IN (\(Array(repeating: "?", count: types.count).joined(separator: ",")))")
            arguments += types.sorted() as [any DatabaseValueConvertible]
        }
        if filter.excludesSystemStreams {
            conditions.append("category NOT LIKE '$%'")
        }
        if let target = filter.target {
            conditions.append(Self.targetCondition)
            arguments += [target.type, target.id]
        }
        arguments.append(limit)
        let sql =
            "SELECT \(Self.columns) FROM evident_events WHERE \(conditions.joined(separator: " AND ")) ORDER BY position LIMIT ?"
        let statementArguments = StatementArguments(arguments.map { $0.databaseValue })
        return try await read(singleStatement: true) { db in
            try Self.fetchEvents(db, sql: sql, arguments: statementArguments, stream: nil, capacity: limit)
        }
    }

    public func streamInfo(_ stream: StreamName) async throws -> StreamInfo? {
        let name = stream.description
        return try await read(singleStatement: true) { db in
            guard
                let row = try Row.fetchOne(
                    db,
                    sql: """
                        SELECT max(version), min(recorded_at), max(recorded_at)
                        FROM evident_events WHERE stream = ?
                        """, arguments: [name]),
                let length = row[0] as Int?
            else { return nil }
            return StreamInfo(
                stream: stream, length: length, createdAt: Date(unixMilliseconds: row[1]),
                updatedAt: Date(unixMilliseconds: row[2]))
        }
    }

    /// Compares an event's target (the columns copied from `metadata.target` on insert, under the partial index
    /// `evident_events_target`) with two arguments, its type and id.
    static let targetCondition = "target_type = ? AND target_id = ?"

    /// Walks the index on (stream, version) one stream at a time over the range of names that begin with
    /// `category:`, then reads each stream's last event from the same index: two look-ups per stream listed.
    /// With a target, the streams come from the index on targets instead (the unary `+` keeps SQLite from
    /// walking the whole category instead).
    public func streams(inCategory category: String, after id: String?, limit: Int, target: EntityReference?)
        async throws -> [StreamSummary]
    {
        try Self.checkLimit(limit)
        // Every name of the category sorts between `category:` and `category;` (';' follows ':').
        let cursor = "\(category):" + (id ?? "")
        let end = "\(category);"
        return try await read { db in
            let names: [String]
            if let target {
                names = try String.fetchAll(
                    db.cachedStatement(
                        sql: """
                            SELECT DISTINCT stream FROM evident_events
                            WHERE \(Self.targetCondition) AND +stream > ? AND +stream < ? ORDER BY stream LIMIT ?
                            """), arguments: [target.type, target.id, cursor, end, limit])
            } else {
                let next = try db.cachedStatement(
                    sql: "SELECT stream FROM evident_events WHERE stream > ? AND stream < ? ORDER BY stream LIMIT 1")
                var found: [String] = []
                var after = cursor
                while found.count < limit, let name = try String.fetchOne(next, arguments: [after, end]) {
                    found.append(name)
                    after = name
                }
                names = found
            }
            let last = try db.cachedStatement(
                sql: """
                    SELECT version, position, recorded_at FROM evident_events WHERE stream = ?
                    ORDER BY version DESC LIMIT 1
                    """)
            return try names.compactMap { name -> StreamSummary? in
                guard let row = try Row.fetchOne(last, arguments: [name]) else { return nil }
                return StreamSummary(
                    stream: StreamName(trustedName: name), length: row[0], lastPosition: row[1],
                    updatedAt: Date(unixMilliseconds: row[2]))
            }
        }
    }

    private static func checkLimit(_ limit: Int) throws {
        guard limit > 0 else { throw EventStoreError.invalidArgument("A read limit must be positive (got \(limit)).") }
    }

    /// Decodes rows of `columns`, at most `capacity` expected. `stream`, when given, is the stream every row
    /// belongs to (saves reading names).
    ///
    /// Columns are read straight from the SQLite statement (no `Row` values, no copies of the JSON text): this
    /// loop is what every log and stream read costs per event.
    static func fetchEvents(
        _ db: Database, sql: String, arguments: StatementArguments, stream: StreamName?, capacity: Int
    ) throws -> [RecordedEvent] {
        let statement = try db.cachedStatement(sql: sql)
        var events: [RecordedEvent] = []
        events.reserveCapacity(min(capacity, 1_000))
        var previous: (text: String, name: StreamName)?
        let rows = try Row.fetchCursor(statement, arguments: arguments)
        let row = statement.sqliteStatement
        while try rows.next() != nil {
            guard sqlite3_column_bytes(row, 0) == 16, let idBytes = sqlite3_column_blob(row, 0) else {
                throw EventStoreError(code: .storageFailure, message: "A stored event id is damaged.")
            }
            let id = UUID(uuid: UnsafeRawPointer(idBytes).loadUnaligned(as: uuid_t.self))
            var name = stream
            if name == nil {
                // Consecutive events of one stream share their name.
                let text = String(sqliteStatement: row, index: 1)
                if previous?.text != text { previous = (text, StreamName(trustedName: text)) }
                name = previous?.name
            }
            let data = try JSON(parsing: text(row, 3))
            let metadataText = text(row, 4)
            let metadata =
                metadataText.count == 2 && metadataText[0] == UInt8(ascii: "{") && metadataText[1] == UInt8(ascii: "}")
                ? EventMetadata() : try EventMetadata(json: JSON(parsing: metadataText))
            events.append(
                RecordedEvent(
                    id: id, stream: name!, type: String(sqliteStatement: row, index: 2), data: data,
                    metadata: metadata, version: Int(sqlite3_column_int64(row, 5)),
                    position: sqlite3_column_int64(row, 6),
                    recordedAt: Date(unixMilliseconds: sqlite3_column_int64(row, 7)), hash: blob(row, 8)))
        }
        return events
    }

    /// The bytes of a BLOB column of the current row; nil when it is NULL.
    private static func blob(_ row: SQLiteStatement, _ column: Int32) -> [UInt8]? {
        guard let bytes = sqlite3_column_blob(row, column) else { return nil }
        return Array(UnsafeRawBufferPointer(start: bytes, count: Int(sqlite3_column_bytes(row, column))))
    }

    /// The bytes of a TEXT column of the current row, valid until the statement moves on.
    private static func text(_ row: SQLiteStatement, _ column: Int32) -> UnsafeRawBufferPointer {
        guard let bytes = sqlite3_column_text(row, column) else { return UnsafeRawBufferPointer(start: nil, count: 0) }
        return UnsafeRawBufferPointer(start: bytes, count: Int(sqlite3_column_bytes(row, column)))
    }
}
