import Evident
import Foundation
import GRDB

/// The database schema, as named migrations applied in order. Never edit a shipped migration: add one.
///
/// The migrations are run by ``migrate(_:)`` rather than GRDB's `DatabaseMigrator`, which reads the list of
/// applied migrations outside any transaction and commits each migration on its own, so two processes opening
/// one new file could both run the first migration, or one could see the other's half-created schema.
/// ``migrate(_:)`` runs inside the caller's write transaction. Applied migrations are recorded in the same
/// table, under the same names, as `DatabaseMigrator` used, so files written by either are read by both.
enum Schema {
    /// The table that marks a file as an Evident database.
    static let eventsTable = "evident_events"
    /// The table listing the applied migrations (the name GRDB's `DatabaseMigrator` uses).
    static let migrationsTable = "grdb_migrations"

    /// One named step of the schema.
    struct Migration: Sendable {
        var identifier: String
        var apply: @Sendable (Database) throws -> Void
    }

    /// Every migration, in the order they apply.
    static let migrations = [
        Migration(identifier: "v1: events and idempotency keys") { db in
            // position is the rowid: gap-free because only one writer appends, in commit order.
            try db.execute(
                sql: """
                    CREATE TABLE evident_events (
                        position INTEGER PRIMARY KEY,
                        id BLOB NOT NULL,
                        stream TEXT NOT NULL,
                        category TEXT NOT NULL,
                        version INTEGER NOT NULL,
                        type TEXT NOT NULL,
                        data TEXT NOT NULL,
                        metadata TEXT NOT NULL,
                        recorded_at INTEGER NOT NULL
                    );
                    CREATE UNIQUE INDEX evident_events_stream_version ON evident_events(stream, version);
                    CREATE TABLE evident_idempotency_keys (
                        key TEXT PRIMARY KEY,
                        fingerprint TEXT NOT NULL,
                        result TEXT NOT NULL,
                        recorded_at INTEGER NOT NULL
                    ) WITHOUT ROWID;
                    """)
        },
        Migration(identifier: "v2: snapshots, projection checkpoints, parked events") { db in
            try LibrarySchema.create(db)
        },
        Migration(identifier: "v3: data subject keys") { db in
            // Keyed by the subject's hash: the id itself is never stored.
            try db.execute(
                sql: """
                    CREATE TABLE evident_subject_keys (
                        subject_hash TEXT PRIMARY KEY,
                        key_id TEXT NOT NULL UNIQUE,
                        material BLOB,
                        created_at INTEGER NOT NULL,
                        forgotten_at INTEGER,
                        receipt_position INTEGER
                    ) WITHOUT ROWID;
                    """)
        },
        Migration(identifier: "v4: hash chain, and events that cannot be changed or deleted") { db in
            try db.execute(sql: "ALTER TABLE evident_events ADD COLUMN hash BLOB")
            try chainStoredEvents(db)
            try db.execute(sql: neverChangedTrigger)
            try db.execute(
                sql: """
                    CREATE TRIGGER evident_events_are_never_deleted BEFORE DELETE ON evident_events
                    BEGIN SELECT RAISE(ABORT, 'Evident events are never deleted: the log is append-only'); END;
                    """)
        },
        Migration(identifier: "v5: indexes for listing a category's streams and finding events by target") { db in
            // The listing walks (category, stream) one stream at a time; the target index holds the expressions
            // ``SQLiteEventStore/targetCondition`` compares, so that SQLite uses it (positions come with the rowid).
            try db.execute(
                sql: """
                    CREATE INDEX evident_events_category_stream ON evident_events(category, stream, version);
                    CREATE INDEX evident_events_target ON evident_events(
                        json_extract(metadata, '$.target.type'), json_extract(metadata, '$.target.id'));
                    """)
        },
        Migration(identifier: "v6: listing from the stream index, targets in columns of their own") { db in
            // v5's indexes cost batched appends about a fifth (docs/storage.md). A category's streams are a
            // prefix range of the (stream, version) index; the target is copied out of the metadata once, on
            // insert, into columns whose partial index only events with a target enter. Filling the columns
            // of the events stored before updates them, the one change of stored events ever made, in this
            // migration's transaction.
            try db.execute(
                sql: """
                    DROP INDEX evident_events_category_stream;
                    DROP INDEX evident_events_target;
                    ALTER TABLE evident_events ADD COLUMN target_type TEXT;
                    ALTER TABLE evident_events ADD COLUMN target_id TEXT;
                    DROP TRIGGER evident_events_are_never_changed;
                    UPDATE evident_events SET
                        target_type = json_extract(metadata, '$.target.type'),
                        target_id = json_extract(metadata, '$.target.id')
                    WHERE json_type(metadata, '$.target') = 'object';
                    CREATE INDEX evident_events_target ON evident_events(target_type, target_id)
                        WHERE target_type IS NOT NULL;
                    """)
            try db.execute(sql: neverChangedTrigger)
        },
    ]

    /// Refuses every `UPDATE` of the events table.
    private static let neverChangedTrigger = """
        CREATE TRIGGER evident_events_are_never_changed BEFORE UPDATE ON evident_events
        BEGIN SELECT RAISE(ABORT, 'Evident events are never changed: the log is append-only'); END;
        """

    /// Chains the events written before the chain existed, in position order, a page at a time.
    private static func chainStoredEvents(_ db: Database) throws {
        var previous = LogChain.genesis
        var after: Int64 = 0
        let update = try db.makeStatement(sql: "UPDATE evident_events SET hash = ? WHERE position = ?")
        while true {
            let rows = try Row.fetchAll(
                db,
                sql: """
                    SELECT position, id, stream, version, type, recorded_at, CAST(data AS BLOB), CAST(metadata AS BLOB)
                    FROM evident_events WHERE position > ? ORDER BY position LIMIT 1000
                    """, arguments: [after])
            guard let last = rows.last else { return }
            for row in rows {
                let data: Data = row[6]
                let metadata: Data = row[7]
                previous = LogChain.hash(
                    previous: previous, position: row[0], id: row[1], stream: row[2], version: row[3], type: row[4],
                    recordedAt: row[5], data: data, metadata: metadata)
                try update.execute(arguments: [Data(previous), row[0] as Int64])
            }
            after = last[0]
        }
    }

    /// Whether `table` is one of Evident's: its own tables all start with `evident_`.
    static func isEvidents(table: String) -> Bool {
        table == migrationsTable || table.hasPrefix("evident_")
    }

    /// The identifiers of the migrations applied to the database, in no particular order.
    static func appliedMigrations(_ db: Database) throws -> Set<String> {
        // Asks SQLite, not GRDB's schema cache, which does not see other connections' changes.
        let exists = try Bool.fetchOne(
            db, sql: "SELECT count(*) > 0 FROM sqlite_master WHERE type = 'table' AND name = ?",
            arguments: [migrationsTable])
        guard exists == true else { return [] }
        return Set(try String.fetchAll(db, sql: "SELECT identifier FROM \(migrationsTable)"))
    }

    /// Applies the migrations the database lacks. Call it inside a write transaction, so that no other
    /// connection sees a half-applied schema and two connections never apply the same migration.
    static func migrate(_ db: Database) throws {
        precondition(db.isInsideTransaction, "Evident's migrations must run inside a write transaction")
        let applied = try appliedMigrations(db)
        if applied.isEmpty {
            try db.execute(sql: "CREATE TABLE IF NOT EXISTS \(migrationsTable) (identifier TEXT NOT NULL PRIMARY KEY)")
        }
        for migration in migrations where !applied.contains(migration.identifier) {
            try migration.apply(db)
            try db.execute(
                sql: "INSERT INTO \(migrationsTable) (identifier) VALUES (?)", arguments: [migration.identifier])
        }
    }
}
