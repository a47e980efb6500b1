public import Evident
import Foundation
import GRDB
import GRDBSQLite

extension SQLiteEventStore: VerifiableStore {
    public func storedEvents(after position: Int64, limit: Int) async throws -> [StoredEvent] {
        try await read { db in
            let statement = try db.cachedStatement(
                sql: """
                    SELECT position, id, stream, version, type, recorded_at, data, metadata, hash FROM evident_events
                    WHERE position > ? ORDER BY position LIMIT ?
                    """)
            var events: [StoredEvent] = []
            let rows = try Row.fetchCursor(statement, arguments: [position, limit])
            let row = statement.sqliteStatement
            // Straight from the statement's columns, as stored: a verification reads every event.
            func buffer(_ column: Int32) -> UnsafeRawBufferPointer {
                UnsafeRawBufferPointer(
                    start: sqlite3_column_blob(row, column), count: Int(sqlite3_column_bytes(row, column)))
            }
            func bytes(_ column: Int32) -> [UInt8] { Array(buffer(column)) }
            func text(_ column: Int32) -> String { String(decoding: buffer(column), as: UTF8.self) }
            events.reserveCapacity(min(limit, 10_000))
            while try rows.next() != nil {
                let id = buffer(1)
                guard id.count == 16 else {
                    throw EventStoreError(
                        code: .storageFailure,
                        message: "The id of the event at position \(sqlite3_column_int64(row, 0)) is damaged.")
                }
                events.append(
                    StoredEvent(
                        position: sqlite3_column_int64(row, 0), id: UUID(uuid: id.loadUnaligned(as: uuid_t.self)),
                        stream: text(2), version: Int(sqlite3_column_int64(row, 3)), type: text(4),
                        recordedAt: sqlite3_column_int64(row, 5), data: bytes(6), metadata: bytes(7),
                        hash: sqlite3_column_type(row, 8) == SQLITE_NULL ? nil : bytes(8)))
            }
            return events
        }
    }
}
