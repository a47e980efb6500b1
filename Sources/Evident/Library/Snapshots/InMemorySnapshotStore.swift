import Synchronization

/// Snapshots in memory, for tests and for ``InMemoryEventStore``.
public final class InMemorySnapshotStore: SnapshotStore {
    private let snapshots = Mutex<[StreamName: Snapshot]>([:])

    public init() {}

    public func snapshot(of stream: StreamName) async throws -> Snapshot? {
        snapshots.withLock { $0[stream] }
    }

    public func saveSnapshot(_ snapshot: Snapshot) async throws {
        snapshots.withLock { $0[snapshot.stream] = snapshot }
    }

    public func deleteSnapshot(of stream: StreamName) async throws {
        _ = snapshots.withLock { $0.removeValue(forKey: stream) }
    }
}
