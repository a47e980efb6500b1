import Evident
import PostgresNIO

/// Turns postgres-nio errors into ``EventStoreError``s; no PostgresNIO error leaves this module.
///
/// Messages name the database by its URL without the password; PostgreSQL's own words and SQLSTATE go to
/// `underlying`, which only `debugDescription` shows.
enum PostgresErrors {
    static func translate(_ error: any Error, database: String) -> any Error {
        if error is EventStoreError || error is CancellationError || error is ProjectionError
            || error is ProjectionFailure
        {
            return error
        }
        guard let error = error as? PSQLError else {
            return EventStoreError(
                code: .storageFailure, message: "Working with the database \(database) failed: \(type(of: error)).",
                underlying: "\(error)")
        }
        let unavailable = EventStoreError(
            code: .unavailable,
            message: "The database \(database) cannot be reached for now; try again (retry writes with their "
                + "idempotency key).",
            underlying: "\(error.code)\(error.underlying.map { ": \($0)" } ?? "")")
        guard error.code == .server, let state = error.serverInfo?[.sqlState] else {
            switch error.code {
            case .sslUnsupported:
                return EventStoreError(
                    code: .invalidArgument,
                    message: "The database server \(database) does not offer TLS; use sslmode=prefer or disable.")
            case .authMechanismRequiresPassword, .unsupportedAuthMechanism, .saslError:
                return EventStoreError(
                    code: .invalidArgument,
                    message: "The database server \(database) refused the login (\(error.code)); check the URL's "
                        + "user and password.")
            default:
                // Connections refused, lost or closed, a pool shut down: transient as far as the caller can tell.
                return unavailable
            }
        }
        let serverMessage = error.serverInfo?[.message] ?? ""
        let underlying = "SQLSTATE \(state): \(serverMessage)"
        func failure(_ code: EventStoreError.Code, _ message: String) -> EventStoreError {
            EventStoreError(code: code, message: message, underlying: underlying)
        }
        switch state {
        case "57014":
            return failure(
                .unavailable, "A statement on \(database) ran past the statement timeout and was cancelled; try again.")
        case _ where state.hasPrefix("08") || state.hasPrefix("57P") || state == "40001" || state == "40P01":
            // Connection failures, a server shutting down or starting up, serialization failures, deadlocks.
            var failure = unavailable
            failure.underlying = underlying
            return failure
        case "28000", "28P01":
            return failure(.invalidArgument, "The database server \(database) refused the login: \(serverMessage).")
        case "3D000":
            return failure(.invalidArgument, "The database named in \(database) does not exist: \(serverMessage).")
        case "25006":
            return failure(
                .invalidArgument, "The database \(database) is read-only (a replica?); writes go to the primary.")
        case "42501":
            return failure(.storageFailure, "Access to the database \(database) was denied: \(serverMessage).")
        case _ where state.hasPrefix("53"):
            return failure(.storageFailure, "The database server \(database) is out of resources: \(serverMessage).")
        default:
            return failure(.storageFailure, "Working with the database \(database) failed: \(serverMessage).")
        }
    }

    /// Whether `error`, thrown by a projection's statements, is a passing failure of the database (a lost
    /// connection, a timeout, a deadlock) rather than the projection's own: no retry of the event can fix it.
    static func isTransient(_ error: any Error) -> Bool {
        guard error is PSQLError else { return false }
        return (translate(error, database: "") as? EventStoreError)?.code == .unavailable
    }
}
