/// Where a ``CheckpointedConsumer`` keeps its checkpoint and parked events. `InMemoryCheckpointStore` is for
/// tests; `SQLiteEventStore` and `PostgresEventStore` keep them in their database.
public protocol CheckpointStore: Sendable {
    /// The checkpoint of `consumer`; 0 when it has none.
    func checkpoint(of consumer: String) async throws -> Int64
    /// Sets the checkpoint of `consumer`.
    func saveCheckpoint(_ position: Int64, of consumer: String) async throws
    /// Keeps `event` (replacing an earlier record of the same position) and moves its consumer's checkpoint
    /// to at least the event's position, atomically.
    func park(_ event: ParkedEvent) async throws
    /// The parked events of `consumer`, in log order.
    func parkedEvents(of consumer: String) async throws -> [ParkedEvent]
    /// Forgets a parked event.
    func unpark(position: Int64, of consumer: String) async throws
    /// Removes the checkpoint and the parked events of `consumer`.
    func reset(_ consumer: String) async throws
}
