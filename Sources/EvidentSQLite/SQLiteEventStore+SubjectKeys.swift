public import Evident
public import Foundation
import GRDB

/// Subject keys live in `evident_subject_keys`, in the same file as the events. Destroying one zeroes it where it
/// was (`secure_delete`, on for the store's writer) and then checkpoints the WAL and truncates it, so no copy of
/// the key is left in the file or its WAL (see docs/privacy.md for what the file system may keep).
extension SQLiteEventStore: SubjectKeyStore {
    static let keyColumns = "subject_hash, key_id, material, created_at, forgotten_at, receipt_position"

    public func subjectKey(subjectHash: String) async throws -> SubjectKey? {
        try await read { db in
            try Row.fetchOne(
                db, sql: "SELECT \(Self.keyColumns) FROM evident_subject_keys WHERE subject_hash = ?",
                arguments: [subjectHash]
            ).map(Self.subjectKey)
        }
    }

    public func insertSubjectKey(_ key: SubjectKey) async throws -> SubjectKey {
        try await write { db in
            try Self.insertSubjectKey(key, in: db)
            guard
                let row = try Row.fetchOne(
                    db, sql: "SELECT \(Self.keyColumns) FROM evident_subject_keys WHERE subject_hash = ?",
                    arguments: [key.subjectHash])
            else {
                throw EventStoreError(
                    code: .storageFailure, message: "A data subject's key was neither kept nor found.")
            }
            return try Self.subjectKey(row)
        }
    }

    /// Keeps `key` unless its subject has one already.
    static func insertSubjectKey(_ key: SubjectKey, in db: Database) throws {
        try db.execute(
            sql: """
                INSERT INTO evident_subject_keys (subject_hash, key_id, material, created_at)
                VALUES (?, ?, ?, ?) ON CONFLICT (subject_hash) DO NOTHING
                """,
            arguments: [
                key.subjectHash, key.id.uuidString.lowercased(), key.material.map { Data($0) },
                key.createdAt.unixMilliseconds,
            ])
    }

    public func subjectKeys(ids: Set<UUID>) async throws -> [UUID: SubjectKey] {
        try await read { db in try Self.subjectKeys(db, ids: ids) }
    }

    static func subjectKeys(_ db: Database, ids: Set<UUID>) throws -> [UUID: SubjectKey] {
        let list = ids.map { JSON.string($0.uuidString.lowercased()) }
        let keys = try Row.fetchAll(
            db,
            sql: "SELECT \(keyColumns) FROM evident_subject_keys WHERE key_id IN (SELECT value FROM json_each(?))",
            arguments: [JSON.array(list).serializedString()]
        ).map(subjectKey)
        return Dictionary(uniqueKeysWithValues: keys.map { ($0.id, $0) })
    }

    /// `events` with their personal values opened by `opener` with the keys in `db`, for `projection`; without
    /// an opener, an error when any is sealed (a projection must not take ciphertext for the value).
    static func openPersonalValues(
        _ events: consuming [RecordedEvent], with opener: PersonalDataOpener?, for projection: String, in db: Database
    ) throws -> [RecordedEvent] {
        let sealed = try PersonalDataOpener.Sealed(consume events)
        guard !sealed.keyIDs.isEmpty else { return sealed.events }
        guard let opener else {
            throw ProjectionFailure(underlying: ProjectionError.sealedPersonalData(projection: projection))
        }
        return try opener.open(sealed, keys: subjectKeys(db, ids: sealed.keyIDs))
    }

    public func destroySubjectKey(subjectHash: String, at date: Date) async throws -> Bool {
        try checkWritable()
        do {
            let destroyed = try await pool.write { db in
                try db.execute(
                    sql: """
                        UPDATE evident_subject_keys SET material = NULL, forgotten_at = ?
                        WHERE subject_hash = ? AND material IS NOT NULL
                        """, arguments: [date.unixMilliseconds, subjectHash])
                return db.changesCount > 0
            }
            // The WAL still holds the page as it was before; copy the new one into the file and empty the WAL.
            // A reader holding an old snapshot keeps the checkpoint from finishing: wait for it, letting appends
            // through between attempts.
            for attempt in 0..<200 {
                let busy = try await pool.writeWithoutTransaction { db in
                    try Int.fetchOne(db, sql: "PRAGMA wal_checkpoint(TRUNCATE)") ?? 1
                }
                if busy == 0 { return destroyed }
                if attempt < 199 { try await Task.sleep(for: .milliseconds(50)) }
            }
            throw EventStoreError(
                code: .unavailable,
                message: "The key was destroyed, but readers kept the WAL from being emptied for 10 s; "
                    + "forget the subject again to finish.")
        } catch let error as EventStoreError {
            throw error
        } catch let error as CancellationError {
            throw error
        } catch {
            throw SQLiteErrors.translate(error, path: path)
        }
    }

    public func recordReceipt(subjectHash: String, position: Int64) async throws {
        try await write { db in
            try db.execute(
                sql: "UPDATE evident_subject_keys SET receipt_position = ? WHERE subject_hash = ?",
                arguments: [position, subjectHash])
        }
    }

    public func eventsEncrypted(withKey id: UUID) async throws -> (count: Int, streams: [StreamName]) {
        let needle = SubjectKey.metadataText(keyID: id)
        return try await read { db in
            let rows = try Row.fetchAll(
                db,
                sql:
                    "SELECT stream, count(*) FROM evident_events WHERE instr(metadata, ?) > 0 GROUP BY stream ORDER BY stream",
                arguments: [needle])
            return (rows.reduce(0) { $0 + ($1[1] as Int) }, rows.map { StreamName(trustedName: $0[0]) })
        }
    }

    public func subjectKeys(after subjectHash: String?, limit: Int) async throws -> [SubjectKey] {
        try await read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT \(Self.keyColumns) FROM evident_subject_keys WHERE subject_hash > ?
                    ORDER BY subject_hash LIMIT ?
                    """, arguments: [subjectHash ?? "", limit]
            ).map(Self.subjectKey)
        }
    }

    public func importSubjectKeys(_ keys: [SubjectKey]) async throws {
        try await write { db in
            for key in keys {
                try db.execute(
                    sql: "INSERT INTO evident_subject_keys (\(Self.keyColumns)) VALUES (?, ?, ?, ?, ?, ?)",
                    arguments: [
                        key.subjectHash, key.id.uuidString.lowercased(), key.material.map { Data($0) },
                        key.createdAt.unixMilliseconds, key.forgottenAt?.unixMilliseconds, key.receiptPosition,
                    ])
            }
        }
    }

    private static func subjectKey(_ row: Row) throws -> SubjectKey {
        guard let id = UUID(uuidString: row[1]) else {
            throw EventStoreError(code: .storageFailure, message: "A subject key's id is damaged: \(row[1] as String).")
        }
        return SubjectKey(
            subjectHash: row[0], id: id, material: (row[2] as Data?).map(Array.init),
            createdAt: Date(unixMilliseconds: row[3]),
            forgottenAt: (row[4] as Int64?).map(Date.init(unixMilliseconds:)),
            receiptPosition: row[5])
    }
}
