import GRDB

/// The database schema, as named migrations applied in order. Never edit a shipped migration: add one.
enum Schema {
    /// The table that marks a file as an Evident database.
    static let eventsTable = "evident_events"

    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1: events and idempotency keys") { db in
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
        }
        migrator.registerMigration("v2: snapshots, projection checkpoints, parked events") { db in
            try LibrarySchema.create(db)
        }
        return migrator
    }
}
