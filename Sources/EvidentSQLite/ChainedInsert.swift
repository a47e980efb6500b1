import Evident
import Foundation
import GRDB

/// Inserts events with their link in the log's hash chain (``LogChain``), computed over the texts it stores.
struct ChainedInsert {
    private let statement: Statement
    /// The hash of the last event inserted, or of the log's last event before.
    private(set) var previous: [UInt8]
    /// False for benchmarks only: events are stored without a hash.
    private let chained: Bool

    init(_ db: Database, chained: Bool = true) throws {
        self.chained = chained
        statement = try db.cachedStatement(
            sql: """
                INSERT INTO evident_events
                    (position, id, stream, category, version, type, data, metadata, recorded_at, hash, target_type, target_id)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """)
        previous = chained ? try Self.lastHash(db) : LogChain.genesis
    }

    /// The hash of the log's last event; the chain's start when it is empty.
    static func lastHash(_ db: Database) throws -> [UInt8] {
        let last = try Data.fetchOne(db, sql: "SELECT hash FROM evident_events ORDER BY position DESC LIMIT 1")
        return last.map(Array.init) ?? LogChain.genesis
    }

    /// Inserts one event; returns its hash.
    @discardableResult
    mutating func insert(
        position: Int64, id: UUID, stream: StreamName, version: Int, type: String, data: JSON, metadata: EventMetadata,
        recordedAt: Int64
    ) throws -> [UInt8] {
        let dataText = data.serialized()
        let metadataText = metadata.json.serialized()
        let hash =
            chained
            ? LogChain.hash(
                previous: previous, position: position, id: id, stream: stream.description, version: version,
                type: type, recordedAt: recordedAt, data: dataText, metadata: metadataText) : []
        try statement.execute(arguments: [
            position, id, stream.description, stream.category, version, type, String(decoding: dataText, as: UTF8.self),
            String(decoding: metadataText, as: UTF8.self), recordedAt, chained ? Data(hash) : nil,
            metadata.target?.type,
            metadata.target?.id,
        ])
        previous = hash
        return hash
    }

    /// Goes back to `hash` after a savepoint was rolled back.
    mutating func rewind(to hash: [UInt8]) {
        previous = hash
    }
}
