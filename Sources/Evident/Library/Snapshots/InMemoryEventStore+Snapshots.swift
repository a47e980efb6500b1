extension InMemoryEventStore: SnapshotStore {
    public func snapshot(of stream: StreamName) async throws -> Snapshot? {
        try await snapshots.snapshot(of: stream)
    }

    public func saveSnapshot(_ snapshot: Snapshot) async throws {
        try await snapshots.saveSnapshot(snapshot)
    }

    public func deleteSnapshot(of stream: StreamName) async throws {
        try await snapshots.deleteSnapshot(of: stream)
    }
}
