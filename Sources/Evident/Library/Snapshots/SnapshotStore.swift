/// Where snapshots are kept: one, the latest, per stream. Snapshots are a cache: losing one costs a replay,
/// never correctness. `InMemoryEventStore`, `SQLiteEventStore` and `PostgresEventStore` implement it.
public protocol SnapshotStore: Sendable {
    /// The latest snapshot of `stream`, if any.
    func snapshot(of stream: StreamName) async throws -> Snapshot?
    /// Keeps `snapshot`, replacing the stream's earlier one.
    func saveSnapshot(_ snapshot: Snapshot) async throws
    /// Forgets the snapshot of `stream`.
    func deleteSnapshot(of stream: StreamName) async throws
}
