/// What a ``ProjectionRunner`` drives: something that handles events in log order and keeps, durably, the
/// position it has reached (its checkpoint) and the events it parked.
///
/// ``CheckpointedConsumer`` adapts a ``Projection`` or ``Reactor`` with any ``CheckpointStore``;
/// `EvidentSQLite` and `EvidentPostgres` have consumers whose read-model writes and checkpoint share one
/// transaction. Write your own for another database: the runner's retry, park, rebuild, lag and wait logic comes
/// for free.
public protocol CatchUpConsumer: Sendable {
    /// The stable name of the projection or reactor.
    var name: String { get }
    /// The events it wants.
    var filter: LogFilter { get }
    /// Whether it is also handed the receipts of forgettings (``ForgettingReceipt/recorded(by:)``), in log order
    /// among the events its filter passes; false by default.
    var receivesForgettings: Bool { get }
    /// Whether ``reset()`` may be called (projections) or not (reactors).
    var isRebuildable: Bool { get }
    /// The position of the last event handled or parked; 0 before the first.
    func checkpoint() async throws -> Int64
    /// Handles `events` in order, then moves the checkpoint to `position` (at least the last event's).
    /// Atomic consumers handle all or nothing; others must leave the checkpoint at the last event handled
    /// when one throws.
    func handle(_ events: [RecordedEvent], through position: Int64) async throws
    /// Parks `event` (or updates its parked record) and moves the checkpoint to at least its position.
    func park(_ event: RecordedEvent, error: any Error, attempts: Int) async throws
    /// The parked events, in log order.
    func parkedEvents() async throws -> [ParkedEvent]
    /// Handles a parked event again and, when that succeeds, forgets it; the checkpoint does not move.
    func replay(_ event: RecordedEvent) async throws
    /// Empties the read model, the checkpoint and the parked events, for a rebuild from zero.
    func reset() async throws
}

extension CatchUpConsumer {
    public var receivesForgettings: Bool { false }
}
