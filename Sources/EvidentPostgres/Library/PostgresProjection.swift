public import Evident
public import Logging
public import PostgresNIO

/// A read model in the same PostgreSQL database as the events, written with postgres-nio's SQL.
///
/// Run it as a catch-up projection with ``PostgresEventStore/projectionRunner(for:configuration:logger:)``:
/// each page of events and the checkpoint commit in one transaction, so a crash never applies an event twice
/// or skips one, whichever process runs it. Or run it inline, in the transaction of every append, by listing it
/// in ``PostgresStoreConfiguration/inlineProjections``.
///
/// Over a ``PrivacyEventStore``, inline projections see personal values in clear as the event is appended; pass
/// the privacy store's ``PrivacyEventStore/opener`` to the runner and to rebuilds, which read the stored events.
///
/// Its methods get the connection of that transaction, postgres-nio's own `PostgresConnection`, whose queries
/// bind interpolated values as parameters. Run statements on it; do not commit, roll back or close it. Tables
/// go where the statements name them (a schema-qualified name, or the connection's `search_path`).
///
/// ```swift
/// struct CartTotals: PostgresProjection {
///     let name = "cart-totals"
///     func prepare(_ connection: PostgresConnection, logger: Logger) async throws {
///         try await connection.query(
///             "CREATE TABLE IF NOT EXISTS cart_totals (cart text PRIMARY KEY, items bigint NOT NULL)", logger: logger)
///     }
///     func apply(_ event: RecordedEvent, in connection: PostgresConnection, logger: Logger) async throws {
///         try await connection.query(
///             """
///             INSERT INTO cart_totals VALUES (\(event.stream.id), 1)
///             ON CONFLICT (cart) DO UPDATE SET items = cart_totals.items + 1
///             """, logger: logger)
///     }
///     func reset(_ connection: PostgresConnection, logger: Logger) async throws {
///         try await connection.query("DELETE FROM cart_totals", logger: logger)
///     }
/// }
/// ```
public protocol PostgresProjection: Sendable {
    /// The projection's stable name: the key of its checkpoint and parked events.
    var name: String { get }
    /// The events it wants.
    var filter: LogFilter { get }
    /// Creates the read model's tables when they are missing (`CREATE TABLE IF NOT EXISTS`); called before the
    /// first event (for an inline projection, when the store connects), one process at a time.
    func prepare(_ connection: PostgresConnection, logger: Logger) async throws
    /// Applies one event, inside the transaction that also moves the checkpoint (or appends the event).
    func apply(_ event: RecordedEvent, in connection: PostgresConnection, logger: Logger) async throws
    /// Empties the read model, before a rebuild from zero.
    func reset(_ connection: PostgresConnection, logger: Logger) async throws
    /// Removes what the read model holds of a data subject who was just forgotten (``PrivacyEventStore``), in the
    /// transaction that handles the receipt's event: the rows of `receipt.streams`, say. Called in log order,
    /// whatever the filter; does nothing by default.
    func forget(_ receipt: ForgettingReceipt, in connection: PostgresConnection, logger: Logger) async throws
}

extension PostgresProjection {
    public var filter: LogFilter { .all }
    public func forget(_ receipt: ForgettingReceipt, in connection: PostgresConnection, logger: Logger) async throws {}

    /// Applies `event`, or the forgetting its receipt records.
    func handle(_ event: RecordedEvent, in connection: PostgresConnection, logger: Logger) async throws {
        if let receipt = try ForgettingReceipt.recorded(by: event) {
            try await forget(receipt, in: connection, logger: logger)
        } else {
            try await apply(event, in: connection, logger: logger)
        }
    }
}
