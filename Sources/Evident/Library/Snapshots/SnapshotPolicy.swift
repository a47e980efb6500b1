/// When a ``Repository`` takes snapshots, and the version of the snapshot's shape.
///
/// ```swift
/// SnapshotPolicy(every: 100, schemaVersion: 2)   // raise schemaVersion when the State's Codable shape changes
/// ```
public struct SnapshotPolicy: Sendable, Hashable {
    /// Take a snapshot once the stream has this many events more than the last snapshot.
    public var every: Int
    /// The version of the state's encoded shape; snapshots of another version are ignored and replaced after a
    /// full replay.
    public var schemaVersion: Int

    public init(every: Int, schemaVersion: Int = 1) {
        precondition(every > 0, "A snapshot policy needs a positive interval.")
        self.every = every
        self.schemaVersion = schemaVersion
    }

    /// Whether a stream at `version`, whose last usable snapshot is at `snapshotVersion` (0 for none), is due.
    public func isDue(version: Int, snapshotVersion: Int) -> Bool {
        version - snapshotVersion >= every
    }
}
