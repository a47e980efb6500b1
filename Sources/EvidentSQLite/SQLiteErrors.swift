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

/// Turns GRDB and SQLite errors into ``EventStoreError``s; no GRDB error leaves this module.
///
/// Each message is one line that names the file and what went wrong with it; SQLite's own words and its
/// extended result code go to `underlying`, which only `debugDescription` shows.
enum SQLiteErrors {
    static func translate(_ error: any Error, path: String) -> any Error {
        if error is EventStoreError || error is CancellationError || error is ProjectionError
            || error is SubjectKeyConflict
        {
            return error
        }
        guard let error = error as? DatabaseError else {
            return EventStoreError(
                code: .storageFailure,
                message: "Working with the database \(path) failed: \(type(of: error)).",
                underlying: "\(error)")
        }
        let sqlite = error.message ?? error.resultCode.description
        let underlying = "SQLite result code \(error.extendedResultCode.rawValue): \(sqlite)"
        func failure(_ code: EventStoreError.Code, _ message: String) -> EventStoreError {
            EventStoreError(code: code, message: message, underlying: underlying)
        }
        switch error.resultCode {
        case .SQLITE_BUSY, .SQLITE_LOCKED:
            return failure(
                .busy, "The database \(path) stayed locked by another process past the busy timeout; try again.")
        case .SQLITE_NOTADB:
            return failure(.incompatibleDatabase, "\(path) is not an Evident database (SQLite: \(sqlite)).")
        case .SQLITE_CORRUPT:
            return failure(
                .incompatibleDatabase, "The database \(path) is damaged (SQLite: \(sqlite)); restore it from a backup.")
        case .SQLITE_READONLY:
            return failure(.storageFailure, "Cannot write the database \(path): \(writeProblem(path)).")
        case .SQLITE_CANTOPEN:
            return failure(.storageFailure, "Cannot open the database \(path): \(openProblem(path)).")
        case .SQLITE_PERM, .SQLITE_AUTH:
            return failure(.storageFailure, "Access to the database \(path) was denied (SQLite: \(sqlite)).")
        case .SQLITE_FULL:
            return failure(.storageFailure, "The disk holding \(path) is full; free some space and try again.")
        case .SQLITE_IOERR:
            return failure(
                .storageFailure,
                "Reading or writing the database \(path) failed with an I/O error "
                    + "(SQLite extended code \(error.extendedResultCode.rawValue)); check the disk.")
        case .SQLITE_NOMEM:
            return failure(.storageFailure, "SQLite ran out of memory working on the database \(path).")
        default:
            return failure(.storageFailure, "SQLite failed on the database \(path): \(sqlite).")
        }
    }

    /// The error of a write to a store after ``SQLiteEventStore/close()``.
    static func closed(path: String) -> EventStoreError {
        EventStoreError.invalidArgument("The store at \(path) is closed; it accepts no more writes.")
    }

    /// Why SQLite could not write `path`, as far as the file system tells.
    private static func writeProblem(_ path: String) -> String {
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent().path
        if access(path, W_OK) != 0 {
            return "the file is read-only (\(SQLiteEventStore.describe(errno: errno)))"
        }
        if access(directory, W_OK) != 0 {
            return "its directory \(directory) is read-only (\(SQLiteEventStore.describe(errno: errno))), "
                + "and SQLite writes its -wal, -shm and -journal files there"
        }
        return "SQLite opened it read-only; check the permissions of the file and of its -wal and -shm files"
    }

    /// Why SQLite could not open `path` (or a file next to it), as far as the file system tells.
    private static func openProblem(_ path: String) -> String {
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent().path
        if access(path, F_OK) == 0, access(path, R_OK | W_OK) != 0 {
            return "no permission to read and write it (\(SQLiteEventStore.describe(errno: errno)))"
        }
        if access(directory, W_OK | X_OK) != 0 {
            return "no permission to create files in \(directory) (\(SQLiteEventStore.describe(errno: errno))), "
                + "where SQLite keeps its -wal, -shm and -journal files"
        }
        return "SQLite could not open it or its -wal, -shm or -journal file; check their permissions"
    }
}
