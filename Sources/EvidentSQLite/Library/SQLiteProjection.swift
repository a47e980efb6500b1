public import Evident
public import GRDB

/// A read model in the same SQLite database as the events, written with GRDB.
///
/// Run it as a catch-up projection with ``SQLiteEventStore/projectionRunner(for:configuration:logger:)``:
/// each batch of events and the checkpoint commit in one transaction, so a crash never applies an event twice
/// or skips one. Or run it inline, in the transaction of every append, by listing it in
/// ``SQLiteEventStoreConfiguration/inlineProjections``.
///
/// Over a ``PrivacyEventStore``, inline projections see personal values in clear as the event is appended; pass
/// the privacy store's ``PrivacyEventStore/opener`` to the runner and to rebuilds, which read the stored events.
///
/// ```swift
/// struct CartTotals: SQLiteProjection {
///     let name = "cart-totals"
///     func prepare(_ db: Database) throws {
///         try db.execute(sql: "CREATE TABLE IF NOT EXISTS cart_totals (cart TEXT PRIMARY KEY, items INTEGER NOT NULL)")
///     }
///     func apply(_ event: RecordedEvent, in db: Database) throws { … }
///     func reset(_ db: Database) throws { try db.execute(sql: "DELETE FROM cart_totals") }
/// }
/// ```
public protocol SQLiteProjection: Sendable {
    /// The projection's stable name: the key of its checkpoint and parked events.
    var name: String { get }
    /// The events it wants.
    var filter: LogFilter { get }
    /// Creates the read model's tables when they are missing (`CREATE TABLE IF NOT EXISTS`); called before
    /// the first event.
    func prepare(_ db: Database) throws
    /// Applies one event, inside the transaction that also moves the checkpoint (or appends the event).
    func apply(_ event: RecordedEvent, in db: Database) throws
    /// Empties the read model, before a rebuild from zero.
    func reset(_ db: Database) throws
    /// Removes what the read model holds of a data subject who was just forgotten (``PrivacyEventStore``), in the
    /// transaction that handles the receipt's event. Called in log order, whatever the filter; does nothing by
    /// default. `receipt.streams` names the streams that held the subject's values:
    ///
    /// ```swift
    /// func forget(_ receipt: ForgettingReceipt, in db: Database) throws {
    ///     for stream in receipt.streams where stream.category == "customer" {
    ///         try db.execute(sql: "DELETE FROM customer_emails WHERE customer = ?", arguments: [stream.id])
    ///     }
    /// }
    /// ```
    func forget(_ receipt: ForgettingReceipt, in db: Database) throws
}

extension SQLiteProjection {
    public var filter: LogFilter { .all }
    public func forget(_ receipt: ForgettingReceipt, in db: Database) throws {}

    /// Applies `event`, or the forgetting its receipt records.
    func handle(_ event: RecordedEvent, in db: Database) throws {
        if let receipt = try ForgettingReceipt.recorded(by: event) {
            try forget(receipt, in: db)
        } else {
            try apply(event, in: db)
        }
    }
}
