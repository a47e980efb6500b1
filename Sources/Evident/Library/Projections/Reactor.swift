/// An event handler with side effects (sending mail, calling another service, issuing commands to another
/// aggregate), run by a ``ProjectionRunner`` from a durable checkpoint.
///
/// Delivery is at least once: after a crash, events since the last checkpoint are delivered again, so a
/// reactor must be idempotent; ``RecordedEvent/id`` is the key to deduplicate by (as an idempotency key of
/// an append, for instance). A reactor that throws is retried with backoff and then parked, like a projection.
/// Reactors are never rebuilt.
public protocol Reactor: Sendable {
    /// The reactor's stable name: the key of its checkpoint and parked events.
    var name: String { get }
    /// The events it wants.
    var filter: LogFilter { get }
    /// Handles one event.
    func react(to event: RecordedEvent) async throws
    /// Acts on the forgetting of a data subject (``PrivacyEventStore``): deleting what another system holds of
    /// them, say. Called in log order, whatever the filter; does nothing by default.
    func forget(_ receipt: ForgettingReceipt) async throws
}

extension Reactor {
    public var filter: LogFilter { .all }
    public func forget(_ receipt: ForgettingReceipt) async throws {}
}
