import GRDB

/// The tables of the library layer, created by the migration "v2: snapshots, projection checkpoints, parked
/// events" (see `Schema`).
enum LibrarySchema {
    static func create(_ db: Database) throws {
        try db.execute(
            sql: """
                CREATE TABLE evident_snapshots (
                    stream TEXT PRIMARY KEY,
                    version INTEGER NOT NULL,
                    schema_version INTEGER NOT NULL,
                    state TEXT NOT NULL,
                    saved_at INTEGER NOT NULL
                ) WITHOUT ROWID;
                CREATE TABLE evident_checkpoints (
                    consumer TEXT PRIMARY KEY,
                    position INTEGER NOT NULL,
                    updated_at INTEGER NOT NULL
                ) WITHOUT ROWID;
                CREATE TABLE evident_parked_events (
                    consumer TEXT NOT NULL,
                    position INTEGER NOT NULL,
                    event_id BLOB NOT NULL,
                    stream TEXT NOT NULL,
                    type TEXT NOT NULL,
                    error TEXT NOT NULL,
                    attempts INTEGER NOT NULL,
                    parked_at INTEGER NOT NULL,
                    PRIMARY KEY (consumer, position)
                ) WITHOUT ROWID;
                """)
    }
}
