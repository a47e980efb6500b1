import Evident
import Foundation
import GRDB

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

extension SQLiteEventStore {
    /// Refuses, before SQLite opens anything (so nothing is written next to the path): a path that cannot hold
    /// a database file (a directory, a device such as `/dev/null`, a pipe, a file in a missing directory), a
    /// missing file when creation is off, and a file that is not SQLite.
    static func checkFile(at path: String, configuration: SQLiteEventStoreConfiguration) throws {
        guard !path.isEmpty else { throw EventStoreError.invalidArgument("The database path is empty.") }
        guard path != ":memory:" else {
            throw EventStoreError.invalidArgument(
                "':memory:' names SQLite's in-memory database, and Evident needs a file; "
                    + "write ./:memory: for a file of that name.")
        }
        var info = stat()
        guard stat(path, &info) == 0 else {
            let cause = errno
            guard cause == ENOENT else {
                throw EventStoreError.invalidArgument("Cannot open the database \(path): \(describe(errno: cause)).")
            }
            guard configuration.createIfMissing, !configuration.readOnly else {
                throw EventStoreError.invalidArgument("No Evident database at \(path).")
            }
            try checkDirectory(toCreate: path)
            return
        }
        if let kind = fileKind(info.st_mode) {
            throw EventStoreError.invalidArgument(
                "\(path) is \(kind), not a file; an Evident database must be a regular file.")
        }
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw EventStoreError.invalidArgument("Cannot read \(path): permission denied.")
        }
        defer { try? handle.close() }
        let header = (try? handle.read(upToCount: 16)) ?? Data()
        // Empty: a new database, possibly created a moment ago by another process that is opening it too.
        guard header.isEmpty || header == Data("SQLite format 3\0".utf8) else {
            throw EventStoreError(
                code: .incompatibleDatabase, message: "\(path) is not an Evident database (not a SQLite file).")
        }
    }

    /// Refuses to create `path` in a directory that is missing, is not a directory, or is not writable.
    private static func checkDirectory(toCreate path: String) throws {
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent().path
        var info = stat()
        guard stat(directory, &info) == 0 else {
            let cause = errno
            throw EventStoreError.invalidArgument(
                cause == ENOENT
                    ? "Cannot create the database \(path): directory \(directory) does not exist."
                    : "Cannot create the database \(path): \(directory): \(describe(errno: cause)).")
        }
        guard info.st_mode & S_IFMT == S_IFDIR else {
            throw EventStoreError.invalidArgument(
                "Cannot create the database \(path): \(directory) is not a directory.")
        }
        guard access(directory, W_OK) == 0 else {
            let cause = errno
            throw EventStoreError.invalidArgument(
                "Cannot create the database \(path) in \(directory): \(describe(errno: cause)).")
        }
    }

    /// What a file that is not a regular file is ("a directory", "a character device"), or nil for a regular file.
    private static func fileKind(_ mode: mode_t) -> String? {
        switch mode & S_IFMT {
        case S_IFREG: nil
        case S_IFDIR: "a directory"
        case S_IFCHR: "a character device"
        case S_IFBLK: "a block device"
        case S_IFIFO: "a named pipe (FIFO)"
        case S_IFSOCK: "a socket"
        default: "not a regular file"
        }
    }

    /// The system's words for an `errno` value, such as "Permission denied".
    static func describe(errno: Int32) -> String {
        String(cString: strerror(errno))
    }

    /// Checks that the file is Evident's, brings its schema and the inline projections' tables up to date, and
    /// switches it to WAL, on a connection of its own, closed before returning.
    ///
    /// A file already complete and in WAL mode is checked in a read transaction, which never waits for
    /// writers. Otherwise the work runs in one write transaction (`BEGIN EXCLUSIVE`), and its lock is what
    /// makes opening safe when several processes open one file at once, also a file that does not exist yet:
    /// the one that holds the lock checks, migrates and switches to WAL; the others wait for it (up to the
    /// busy timeout), then find the file complete. Nobody sees a half-created schema, which would look like
    /// someone else's database; each migration runs once; and only one connection switches the file to WAL
    /// (two switching at once make one of them fail with `SQLITE_BUSY`, without waiting, because each must
    /// upgrade a read lock to a write lock).
    ///
    /// A refused file is only read: nothing is written to it, and in rollback-journal mode (as foreign
    /// databases usually are) SQLite creates no journal until a page is written. Read-only, it also refuses a
    /// schema that is missing or out of date, since it cannot change it.
    static func prepareSchema(
        at path: String, configuration: SQLiteEventStoreConfiguration, grdb: Configuration
    ) throws {
        let queue = try DatabaseQueue(path: path, configuration: grdb)
        defer { try? queue.close() }
        let (isComplete, isWAL) = try queue.read { db in
            (try checkSchema(db, path: path), try String.fetchOne(db, sql: "PRAGMA journal_mode") == "wal")
        }
        if configuration.readOnly {
            guard isComplete else {
                throw EventStoreError(
                    code: .incompatibleDatabase,
                    message: "The database \(path) is empty or needs an upgrade, which a read-only store cannot "
                        + "make; open it once read-write.")
            }
            return
        }
        guard !isComplete || !isWAL || !configuration.inlineProjections.isEmpty else { return }
        try queue.writeWithoutTransaction { db in
            var switchToWAL = false
            try db.inTransaction(.exclusive) {
                // Look again: another process may have changed the file since the read.
                _ = try checkSchema(db, path: path)
                if try String.fetchOne(db, sql: "PRAGMA journal_mode") != "wal" {
                    // In rollback-journal mode, keep the exclusive lock past the commit, until the switch to WAL
                    // is made: other processes wait for it instead of switching too. (Not in WAL mode, where
                    // other processes' open connections would keep this one from taking that lock.)
                    try db.execute(sql: "PRAGMA locking_mode = EXCLUSIVE")
                    switchToWAL = true
                }
                try Schema.migrate(db)
                for projection in configuration.inlineProjections { try projection.prepare(db) }
                return .commit
            }
            if switchToWAL {
                let mode = try String.fetchOne(db, sql: "PRAGMA journal_mode = WAL")
                guard mode == "wal" else {
                    throw EventStoreError(
                        code: .storageFailure,
                        message: "Cannot switch the database \(path) to WAL mode (SQLite kept \(mode ?? "none")); "
                            + "its file system may not support the shared memory WAL needs.")
                }
            }
        }
    }

    /// Refuses a SQLite database that holds other tables but not Evident's, or a newer Evident schema.
    /// Returns whether every migration has been applied.
    static func checkSchema(_ db: Database, path: String) throws -> Bool {
        let tables = try String.fetchAll(
            db, sql: "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
        // Only Evident's tables but not the events: an older Evident, which migrated step by step, was stopped
        // while creating the file. The migrations finish the job.
        guard tables.contains(Schema.eventsTable) || tables.allSatisfy(Schema.isEvidents(table:)) else {
            throw EventStoreError(
                code: .incompatibleDatabase,
                message: "\(path) is a SQLite database but not an Evident one (it has other tables).")
        }
        let applied = try Schema.appliedMigrations(db)
        let known = Set(Schema.migrations.map(\.identifier))
        guard applied.isSubset(of: known) else {
            throw EventStoreError(
                code: .incompatibleDatabase,
                message: "This database was written by a newer version of Evident; upgrade Evident to open it.")
        }
        return applied == known
    }
}
