/// A read model built from the log by a ``ProjectionRunner``: it applies events in log order and can be
/// emptied and rebuilt from zero.
///
/// This is the store-agnostic form: the runner keeps its checkpoint in a ``CheckpointStore`` after the
/// events are applied, so after a crash the events since the last checkpoint are applied again. Read models
/// in the same database as the events should use `EvidentSQLite`'s `SQLiteProjection` or `EvidentPostgres`'s
/// `PostgresProjection` instead, whose writes and checkpoint commit in one transaction.
///
/// ```swift
/// final class OrderCount: Projection {
///     let name = "order-count"
///     var filter: LogFilter { LogFilter(eventTypes: ["was_placed"]) }
///     private let count = Mutex(0)
///     func apply(_ event: RecordedEvent) async throws { count.withLock { $0 += 1 } }
///     func reset() async throws { count.withLock { $0 = 0 } }
/// }
/// ```
public protocol Projection: Sendable {
    /// The projection's stable name: the key of its checkpoint and parked events.
    var name: String { get }
    /// The events it wants; the others are skipped (and the checkpoint still moves past them).
    var filter: LogFilter { get }
    /// Applies one event to the read model. Throwing makes the runner retry and eventually park the event.
    func apply(_ event: RecordedEvent) async throws
    /// Empties the read model, before a rebuild from zero.
    func reset() async throws
    /// Removes what the read model holds of a data subject who was just forgotten (``PrivacyEventStore``):
    /// the rows of `receipt.streams`, say. Called in log order, whatever the filter; does nothing by default.
    func forget(_ receipt: ForgettingReceipt) async throws
}

extension Projection {
    public var filter: LogFilter { .all }
    public func forget(_ receipt: ForgettingReceipt) async throws {}
}
