public import Evident
import Foundation
import PostgresNIO

extension PostgresEventStore: CopyableStore {
    public func importEvents(_ events: [RecordedEvent]) async throws {
        guard let first = events.first, let last = events.last else { return }
        let schema = schema
        let channel = channel
        try await withConnection { [logger] connection in
            try await connection.transaction(logger: logger) {
                let (head, recordedAt, lastHash) = try await PostgresAppendBatch.lockLogHead(
                    schema, on: connection, logger: logger)
                var previous = lastHash
                guard first.position == head + 1,
                    zip(events, events.dropFirst()).allSatisfy({ $1.position == $0.position + 1 })
                else {
                    throw EventStoreError.invalidArgument(
                        "Imported events must continue the log at position \(head + 1), without holes.")
                }
                var lengths = try await LogWrite.lengths(
                    of: Array(Set(events.map(\.stream.description))), schema: schema, on: connection, logger: logger)
                var writes = LogWrite()
                for event in events {
                    let length = lengths[event.stream.description] ?? 0
                    guard event.version == length + 1 else {
                        throw EventStoreError.invalidArgument(
                            "Imported event \(event.position) has version \(event.version) of \(event.stream), "
                                + "which has \(length) events.")
                    }
                    lengths[event.stream.description] = event.version
                    previous = try writes.add(event, after: previous)
                }
                let statement = writes.statement(
                    schema: schema, head: last.position,
                    recordedAt: max(recordedAt, last.recordedAt.unixMilliseconds), hash: previous, channel: channel)
                for try await _ in try await connection.query(statement, logger: logger) {}
            }
        }
        watch.advance(to: last.position)
    }

    public func idempotencyRecords(after key: String?, limit: Int) async throws -> [IdempotencyRecord] {
        // Byte order (COLLATE "C"), as SQLite sorts, so that pages of both stores compare.
        let query = PostgresQuery(
            unsafeSQL: schema.qualify(
                """
                SELECT key, fingerprint, result, recorded_at FROM {s}.idempotency_keys
                WHERE key COLLATE "C" > $1 ORDER BY key COLLATE "C" LIMIT $2
                """), binds: bindings(key ?? "", limit))
        return try await withConnection { [logger] connection in
            var records: [IdempotencyRecord] = []
            let rows = try await connection.query(query, logger: logger)
            for try await (key, fingerprint, result, recordedAt) in rows.decode((String, String, String, Int64).self) {
                records.append(
                    IdempotencyRecord(
                        key: key, fingerprint: fingerprint,
                        results: try IdempotentAppend.results(stored: JSON(parsing: result)),
                        recordedAt: Date(unixMilliseconds: recordedAt)))
            }
            return records
        }
    }

    public func importIdempotencyRecords(_ records: [IdempotencyRecord]) async throws {
        let writes = records.reduce(into: LogWrite()) { $0.add($1) }
        let schema = schema
        let channel = channel
        try await withConnection { [logger] connection in
            try await connection.transaction(logger: logger) {
                let (head, recordedAt, hash) = try await PostgresAppendBatch.lockLogHead(
                    schema, on: connection, logger: logger)
                let statement = writes.statement(
                    schema: schema, head: head, recordedAt: recordedAt, hash: hash, channel: channel)
                for try await _ in try await connection.query(statement, logger: logger) {}
            }
        }
    }

    public func snapshots(after stream: String?, limit: Int) async throws -> [Snapshot] {
        let query = PostgresQuery(
            unsafeSQL: schema.qualify(
                """
                SELECT stream, version, schema_version, state FROM {s}.snapshots
                WHERE stream COLLATE "C" > $1 ORDER BY stream COLLATE "C" LIMIT $2
                """), binds: bindings(stream ?? "", limit))
        return try await withConnection { [logger] connection in
            var snapshots: [Snapshot] = []
            let rows = try await connection.query(query, logger: logger)
            for try await (stream, version, schemaVersion, state) in rows.decode((String, Int, Int, String).self) {
                snapshots.append(
                    Snapshot(
                        stream: StreamName(trustedName: stream), version: version, schemaVersion: schemaVersion,
                        state: try JSON(parsing: state)))
            }
            return snapshots
        }
    }

    public func checkpoints() async throws -> [(consumer: String, position: Int64)] {
        let query = PostgresQuery(
            unsafeSQL: schema.qualify("SELECT consumer, position FROM {s}.checkpoints ORDER BY consumer COLLATE \"C\""))
        return try await withConnection { [logger] connection in
            var checkpoints: [(consumer: String, position: Int64)] = []
            for try await (consumer, position) in try await connection.query(query, logger: logger)
                .decode((String, Int64).self)
            {
                checkpoints.append((consumer, position))
            }
            return checkpoints
        }
    }
}
