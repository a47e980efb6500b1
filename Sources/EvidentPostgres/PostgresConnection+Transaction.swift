import Logging
import PostgresNIO

extension PostgresConnection {
    /// Runs `body` between BEGIN and COMMIT, and rolls back when it throws.
    ///
    /// Unlike postgres-nio's `withTransaction`, which wraps every error in a `PostgresTransactionError`, it
    /// throws `body`'s errors as they are, for ``PostgresErrors`` to translate and for projection failures to
    /// pass.
    func transaction<T>(logger: Logger, _ body: () async throws -> T) async throws -> T {
        try await query("BEGIN", logger: logger)
        do {
            let value = try await body()
            try await query("COMMIT", logger: logger)
            return value
        } catch {
            // Not on a closed connection: postgres-nio would never answer (nothing is left to roll back anyway).
            if !isClosed { _ = try? await query("ROLLBACK", logger: logger) }
            throw error
        }
    }
}
