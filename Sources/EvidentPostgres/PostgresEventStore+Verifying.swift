public import Evident
import Foundation
import NIOCore
import PostgresNIO

extension PostgresEventStore: VerifiableStore {
    public func storedEvents(after position: Int64, limit: Int) async throws -> [StoredEvent] {
        let query = PostgresQuery(
            unsafeSQL: schema.qualify(
                """
                SELECT position, id, stream, version, type, recorded_at, convert_to(data, 'UTF8'),
                    convert_to(metadata, 'UTF8'), hash
                FROM {s}.events WHERE position > $1 ORDER BY position LIMIT $2
                """), binds: bindings(position, limit))
        return try await withConnection { [logger] connection in
            var events: [StoredEvent] = []
            let rows = try await connection.query(query, logger: logger)
                .decode((Int64, UUID, String, Int, String, Int64, ByteBuffer, ByteBuffer, ByteBuffer?).self)
            for try await (position, id, stream, version, type, recordedAt, data, metadata, hash) in rows {
                events.append(
                    StoredEvent(
                        position: position, id: id, stream: stream, version: version, type: type,
                        recordedAt: recordedAt, data: Array(data.readableBytesView),
                        metadata: Array(metadata.readableBytesView), hash: hash.map { Array($0.readableBytesView) }))
            }
            return events
        }
    }
}
