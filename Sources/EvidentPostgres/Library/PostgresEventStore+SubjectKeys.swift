public import Evident
public import Foundation
import Logging
import NIOCore
import PostgresNIO

/// Subject keys live in `<schema>.subject_keys`. Destroying one clears it and rewrites the table
/// (`VACUUM FULL`), so no dead copy of the key stays in the table's files; PostgreSQL's WAL and base backups
/// still hold it until they are recycled, which is what the master key is for (docs/privacy.md).
extension PostgresEventStore: SubjectKeyStore {
    private static let keyColumns = "subject_hash, key_id, material, created_at, forgotten_at, receipt_position"

    public func subjectKey(subjectHash: String) async throws -> SubjectKey? {
        try await keys(
            PostgresQuery(
                unsafeSQL: schema.qualify("SELECT \(Self.keyColumns) FROM {s}.subject_keys WHERE subject_hash = $1"),
                binds: bindings(subjectHash))
        ).first
    }

    public func insertSubjectKey(_ key: SubjectKey) async throws -> SubjectKey {
        guard let material = key.material else {
            throw EventStoreError.invalidArgument("A new subject key needs its material.")
        }
        // The insert, or the key another writer inserted first, in one statement.
        let query = PostgresQuery(
            unsafeSQL: schema.qualify(
                """
                WITH inserted AS (
                    INSERT INTO {s}.subject_keys (subject_hash, key_id, material, created_at) VALUES ($1, $2, $3, $4)
                    ON CONFLICT (subject_hash) DO NOTHING RETURNING \(Self.keyColumns)
                )
                SELECT \(Self.keyColumns) FROM inserted
                UNION ALL SELECT \(Self.keyColumns) FROM {s}.subject_keys WHERE subject_hash = $1
                """),
            binds: bindings(key.subjectHash, key.id, ByteBuffer(bytes: material), key.createdAt.unixMilliseconds))
        if let stored = try await keys(query).first { return stored }
        // Another writer's key, committed after this statement's snapshot was taken: the insert saw the conflict,
        // the select could not see the row. A new statement does.
        guard let stored = try await subjectKey(subjectHash: key.subjectHash) else {
            throw EventStoreError(code: .storageFailure, message: "A data subject's key was neither kept nor found.")
        }
        return stored
    }

    public func subjectKeys(ids: Set<UUID>) async throws -> [UUID: SubjectKey] {
        let found = try await keys(
            PostgresQuery(
                unsafeSQL: schema.qualify("SELECT \(Self.keyColumns) FROM {s}.subject_keys WHERE key_id = ANY($1)"),
                binds: bindings(Array(ids))))
        return Dictionary(uniqueKeysWithValues: found.map { ($0.id, $0) })
    }

    public func destroySubjectKey(subjectHash: String, at date: Date) async throws -> Bool {
        let update = PostgresQuery(
            unsafeSQL: schema.qualify(
                """
                UPDATE {s}.subject_keys SET material = NULL, forgotten_at = $1
                WHERE subject_hash = $2 AND material IS NOT NULL RETURNING key_id
                """), binds: bindings(date.unixMilliseconds, subjectHash))
        let vacuum = PostgresQuery(unsafeSQL: schema.qualify("VACUUM FULL {s}.subject_keys"))
        return try await withConnection { [logger] connection in
            let destroyed = try await connection.query(update, logger: logger).decode(UUID.self).first { _ in true }
            // Outside any transaction, as VACUUM must be; also after an interrupted call, which destroyed the key
            // but may not have rewritten the table.
            _ = try await connection.query(vacuum, logger: logger)
            return destroyed != nil
        }
    }

    public func recordReceipt(subjectHash: String, position: Int64) async throws {
        let query = PostgresQuery(
            unsafeSQL: schema.qualify("UPDATE {s}.subject_keys SET receipt_position = $1 WHERE subject_hash = $2"),
            binds: bindings(position, subjectHash))
        try await withConnection { [logger] connection in _ = try await connection.query(query, logger: logger) }
    }

    public func eventsEncrypted(withKey id: UUID) async throws -> (count: Int, streams: [StreamName]) {
        let query = PostgresQuery(
            unsafeSQL: schema.qualify(
                """
                SELECT stream, count(*) FROM {s}.events WHERE strpos(metadata, $1) > 0
                GROUP BY stream ORDER BY stream COLLATE "C"
                """), binds: bindings(SubjectKey.metadataText(keyID: id)))
        let rows = try await withConnection { [logger] connection in
            var rows: [(String, Int)] = []
            for try await row in try await connection.query(query, logger: logger).decode((String, Int).self) {
                rows.append(row)
            }
            return rows
        }
        return (rows.reduce(0) { $0 + $1.1 }, rows.map { StreamName(trustedName: $0.0) })
    }

    public func subjectKeys(after subjectHash: String?, limit: Int) async throws -> [SubjectKey] {
        try await keys(
            PostgresQuery(
                unsafeSQL: schema.qualify(
                    """
                    SELECT \(Self.keyColumns) FROM {s}.subject_keys WHERE subject_hash > $1
                    ORDER BY subject_hash COLLATE "C" LIMIT $2
                    """), binds: bindings(subjectHash ?? "", limit)))
    }

    public func importSubjectKeys(_ keys: [SubjectKey]) async throws {
        guard !keys.isEmpty else { return }
        // One statement: the columns as arrays, NULLs kept (-1 stands for none in the numeric columns).
        let query = PostgresQuery(
            unsafeSQL: schema.qualify(
                """
                INSERT INTO {s}.subject_keys (\(Self.keyColumns))
                SELECT hash, id, CASE WHEN material = '' THEN NULL ELSE decode(material, 'hex') END, created,
                    NULLIF(forgotten, -1), NULLIF(receipt, -1)
                FROM unnest($1::text[], $2::uuid[], $3::text[], $4::bigint[], $5::bigint[], $6::bigint[])
                    AS k(hash, id, material, created, forgotten, receipt)
                """),
            binds: bindings(
                keys.map(\.subjectHash), keys.map(\.id),
                keys.map { $0.material.map(LogChain.hex) ?? "" },
                keys.map(\.createdAt.unixMilliseconds), keys.map { $0.forgottenAt?.unixMilliseconds ?? -1 },
                keys.map { $0.receiptPosition ?? -1 }))
        try await withConnection { [logger] connection in _ = try await connection.query(query, logger: logger) }
    }

    private func keys(_ query: PostgresQuery) async throws -> [SubjectKey] {
        try await withConnection { [logger] connection in try await Self.keys(query, on: connection, logger: logger) }
    }

    private static func keys(_ query: PostgresQuery, on connection: PostgresConnection, logger: Logger) async throws
        -> [SubjectKey]
    {
        var keys: [SubjectKey] = []
        let rows = try await connection.query(query, logger: logger)
            .decode((String, UUID, ByteBuffer?, Int64, Int64?, Int64?).self)
        for try await (hash, id, material, created, forgotten, receipt) in rows {
            keys.append(
                SubjectKey(
                    subjectHash: hash, id: id, material: material.map { Array($0.readableBytesView) },
                    createdAt: Date(unixMilliseconds: created),
                    forgottenAt: forgotten.map(Date.init(unixMilliseconds:)),
                    receiptPosition: receipt))
        }
        return keys
    }

    /// `events` with their personal values opened by `opener` with the keys `connection` reads, for `projection`;
    /// without an opener, an error when any is sealed (a projection must not take ciphertext for the value).
    static func openPersonalValues(
        _ events: consuming [RecordedEvent], with opener: PersonalDataOpener?, for projection: String, schema: PostgresSchema,
        on connection: PostgresConnection, logger: Logger
    ) async throws -> [RecordedEvent] {
        let sealed = try PersonalDataOpener.Sealed(consume events)
        guard !sealed.keyIDs.isEmpty else { return sealed.events }
        guard let opener else {
            throw ProjectionFailure(underlying: ProjectionError.sealedPersonalData(projection: projection))
        }
        let query = PostgresQuery(
            unsafeSQL: schema.qualify("SELECT \(keyColumns) FROM {s}.subject_keys WHERE key_id = ANY($1)"),
            binds: bindings(Array(sealed.keyIDs)))
        let keys = try await Self.keys(query, on: connection, logger: logger)
        return try opener.open(sealed, keys: Dictionary(uniqueKeysWithValues: keys.map { ($0.id, $0) }))
    }
}
