import Evident
import Foundation
import Logging
import PostgresNIO

/// Events and idempotency keys to write in one statement, which also moves the log head and notifies the
/// listeners (PostgreSQL delivers the notification at COMMIT). Run it while holding the head's lock
/// (``PostgresAppendBatch/lockLogHead(_:on:logger:)``).
struct LogWrite {
    private var positions: [Int64] = []
    private var ids: [UUID] = []
    private var streams: [String] = []
    private var categories: [String] = []
    private var versions: [Int] = []
    private var types: [String] = []
    private var data: [String] = []
    private var metadata: [String] = []
    private var recordedAt: [Int64] = []
    private var hashes: [ByteBuffer] = []
    private var keys: [String] = []
    private var fingerprints: [String] = []
    private var results: [String] = []
    private var keysRecordedAt: [Int64] = []

    var isEmpty: Bool { positions.isEmpty && keys.isEmpty }

    /// Adds an event as it was recorded elsewhere, chained after `previous`; returns its hash. Fails when the event
    /// had a hash that this one does not reproduce: the copy would not prove the same log.
    mutating func add(_ event: RecordedEvent, after previous: [UInt8]) throws -> [UInt8] {
        let dataText = event.data.serialized()
        let metadataText = event.metadata.json.serialized()
        let hash = LogChain.hash(previous: previous, of: event, data: dataText, metadata: metadataText)
        if let expected = event.hash, expected != hash {
            throw EventStoreError(
                code: .storageFailure,
                message: "Imported event \(event.position) does not hash as it did in its source; the copy would not "
                    + "prove the same log.")
        }
        positions.append(event.position)
        ids.append(event.id)
        streams.append(event.stream.description)
        categories.append(event.stream.category)
        versions.append(event.version)
        types.append(event.type)
        data.append(String(decoding: dataText, as: UTF8.self))
        metadata.append(String(decoding: metadataText, as: UTF8.self))
        recordedAt.append(event.recordedAt.unixMilliseconds)
        hashes.append(ByteBuffer(bytes: hash))
        return hash
    }

    mutating func add(_ record: IdempotencyRecord) {
        keys.append(record.key)
        fingerprints.append(record.fingerprint)
        results.append(IdempotentAppend.stored(record.results).serializedString())
        keysRecordedAt.append(record.recordedAt.unixMilliseconds)
    }

    /// The statement that writes everything added and sets the head to `head`, `recordedAt` and `hash`.
    func statement(schema: PostgresSchema, head: Int64, recordedAt: Int64, hash: [UInt8], channel: String)
        -> PostgresQuery
    {
        var binds = PostgresBindings(capacity: 18)
        binds.append(positions)
        binds.append(ids)
        binds.append(streams)
        binds.append(categories)
        binds.append(versions)
        binds.append(types)
        binds.append(data)
        binds.append(metadata)
        binds.append(self.recordedAt)
        binds.append(keys)
        binds.append(fingerprints)
        binds.append(results)
        binds.append(keysRecordedAt)
        binds.append(head)
        binds.append(recordedAt)
        binds.append(channel)
        binds.append(hashes)
        binds.append(ByteBuffer(bytes: hash))
        return PostgresQuery(
            unsafeSQL: schema.qualify(
                """
                WITH new_events AS (
                    INSERT INTO {s}.events (position, id, stream, category, version, type, data, metadata, recorded_at, hash)
                    SELECT * FROM unnest($1::bigint[], $2::uuid[], $3::text[], $4::text[], $5::int[], $6::text[],
                        $7::text[], $8::text[], $9::bigint[], $17::bytea[])
                ), new_keys AS (
                    INSERT INTO {s}.idempotency_keys (key, fingerprint, result, recorded_at)
                    SELECT * FROM unnest($10::text[], $11::text[], $12::text[], $13::bigint[])
                )
                UPDATE {s}.log_head SET position = $14, recorded_at = $15, hash = $18
                RETURNING pg_notify($16, $14::text)
                """), binds: binds)
    }

    /// The current lengths of `streams`: one index look-up per stream (its last version), however long it is.
    static func lengths(of streams: [String], schema: PostgresSchema, on connection: PostgresConnection, logger: Logger)
        async throws -> [String: Int]
    {
        try lengths(try await connection.query(lengthsQuery(of: streams, schema: schema), logger: logger).collect())
    }

    /// The statement of ``lengths(of:schema:on:logger:)``.
    static func lengthsQuery(of streams: [String], schema: PostgresSchema) -> PostgresQuery {
        PostgresQuery(
            unsafeSQL: schema.qualify(
                """
                SELECT name, (SELECT version FROM {s}.events WHERE stream = name ORDER BY version DESC LIMIT 1)
                FROM unnest($1::text[]) AS name
                """), binds: bindings(streams))
    }

    /// The lengths in the answer of ``lengthsQuery(of:schema:)``.
    static func lengths(_ rows: [PostgresRow]) throws -> [String: Int] {
        var lengths: [String: Int] = [:]
        for row in rows {
            let (name, version) = try row.decode((String, Int?).self)
            lengths[name] = version ?? 0
        }
        return lengths
    }
}
