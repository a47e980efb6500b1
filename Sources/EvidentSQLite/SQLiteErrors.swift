import Evident
import GRDB

/// Turns GRDB and SQLite errors into ``EventStoreError``s; no GRDB error leaves this module.
enum SQLiteErrors {
    static func translate(_ error: any Error, path: String) -> any Error {
        if error is EventStoreError || error is CancellationError || error is ProjectionError { return error }
        guard let error = error as? DatabaseError else {
            return EventStoreError(
                code: .storageFailure, message: "The database \(path) failed.", underlying: "\(error)")
        }
        let underlying = "\(error.extendedResultCode): \(error.message ?? "")"
        switch error.resultCode {
        case .SQLITE_BUSY, .SQLITE_LOCKED:
            return EventStoreError(
                code: .busy,
                message: "The database \(path) stayed locked by another process past the busy timeout; try again.",
                underlying: underlying)
        case .SQLITE_NOTADB, .SQLITE_CORRUPT:
            return EventStoreError(
                code: .incompatibleDatabase, message: "\(path) is not an Evident database, or it is damaged.",
                underlying: underlying)
        case .SQLITE_READONLY, .SQLITE_PERM, .SQLITE_CANTOPEN, .SQLITE_AUTH:
            return EventStoreError(
                code: .storageFailure, message: "Cannot open or write \(path): check the file's permissions.",
                underlying: underlying)
        case .SQLITE_FULL:
            return EventStoreError(
                code: .storageFailure, message: "The disk holding \(path) is full.", underlying: underlying)
        default:
            return EventStoreError(
                code: .storageFailure, message: "The database \(path) failed.", underlying: underlying)
        }
    }
}
