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
        return try await read { db in
            try Self.fetchEvents(db, sql: sql, arguments: [name, version, limit], stream: stream)
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
        return try await read { db in
            try Self.fetchEvents(db, sql: sql, arguments: statementArguments, stream: nil)
        }
    }

    public func streamInfo(_ stream: StreamName) async throws -> StreamInfo? {
        let name = stream.description
        return try await read { db in
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

    private static let emptyObject = Data("{}".utf8)

    private static func parseJSON(_ data: Data?) throws -> JSON {
        guard let data else { return .null }
        return try data.withUnsafeBytes { try JSON(parsing: $0) }
    }

    /// Decodes rows of `columns`. `stream`, when given, is the stream every row belongs to (saves parsing names).
    static func fetchEvents(
        _ db: Database, sql: String, arguments: StatementArguments, stream: StreamName?
    ) throws -> [RecordedEvent] {
        let statement = try db.cachedStatement(sql: sql)
        var events: [RecordedEvent] = []
        let rows = try Row.fetchCursor(statement, arguments: arguments)
        while let row = try rows.next() {
            let data = try row.withUnsafeData(atIndex: 3) { try parseJSON($0) }
            let metadata = try row.withUnsafeData(atIndex: 4) { bytes in
                bytes == emptyObject ? EventMetadata() : try EventMetadata(json: parseJSON(bytes))
            }
            events.append(
                RecordedEvent(
                    id: row[0], stream: stream ?? StreamName(trustedName: row[1]), type: row[2], data: data,
                    metadata: metadata, version: row[5], position: row[6],
                    recordedAt: date(fromMilliseconds: row[7])))
        }
        return events
    }
}
