public import Evident
import Foundation
import GRDB

extension SQLiteEventStore {
    private static let columns = "id, stream, type, data, metadata, version, position, recorded_at"

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
                stream: stream, length: length, createdAt: Self.date(fromMilliseconds: row[1]),
                updatedAt: Self.date(fromMilliseconds: row[2]))
        }
    }

    private static func checkLimit(_ limit: Int) throws {
        guard limit > 0 else { throw EventStoreError.invalidArgument("A read limit must be positive (got \(limit)).") }
    }

    static func date(fromMilliseconds milliseconds: Int64) -> Date {
        Date(timeIntervalSince1970: Double(milliseconds) / 1000)
    }

    private static func parseJSON(_ data: Data?) throws -> JSON {
        guard let data else { return .null }
        return try data.withUnsafeBytes { try JSON(parsing: $0) }
    }

    /// Metadata is most often `{}`: no need to parse it.
    private static func parseMetadata(_ data: Data?) throws -> EventMetadata {
        guard let data, !(data.count == 2 && data.first == UInt8(ascii: "{") && data.last == UInt8(ascii: "}")) else {
            return EventMetadata()
        }
        return try EventMetadata(json: parseJSON(data))
    }

    /// Decodes rows of `columns`, at most `capacity` expected. `stream`, when given, is the stream every row
    /// belongs to (saves reading names).
    static func fetchEvents(
        _ db: Database, sql: String, arguments: StatementArguments, stream: StreamName?, capacity: Int
    ) throws -> [RecordedEvent] {
        let statement = try db.cachedStatement(sql: sql)
        var events: [RecordedEvent] = []
        events.reserveCapacity(min(capacity, 1_000))
        var previous: (text: String, name: StreamName)?
        let rows = try Row.fetchCursor(statement, arguments: arguments)
        while let row = try rows.next() {
            let id = try row.withUnsafeData(atIndex: 0) { bytes in
                bytes.flatMap {
                    $0.count == 16 ? $0.withUnsafeBytes { UUID(uuid: $0.loadUnaligned(as: uuid_t.self)) } : nil
                }
            }
            guard let id else { throw EventStoreError(code: .storageFailure, message: "A stored event id is damaged.") }
            var name = stream
            if name == nil {
                // Consecutive events of one stream share their name.
                let text: String = row[1]
                if previous?.text != text { previous = (text, StreamName(trustedName: text)) }
                name = previous?.name
            }
            events.append(
                RecordedEvent(
                    id: id, stream: name!, type: row[2], data: try row.withUnsafeData(atIndex: 3) { try parseJSON($0) },
                    metadata: try row.withUnsafeData(atIndex: 4) { try parseMetadata($0) }, version: row[5],
                    position: row[6], recordedAt: date(fromMilliseconds: row[7])))
        }
        return events
    }
}
