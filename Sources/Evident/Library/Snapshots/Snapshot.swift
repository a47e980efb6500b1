/// The state of one aggregate after a given version of its stream, kept to avoid replaying every event.
public struct Snapshot: Sendable, Hashable {
    /// The aggregate's stream.
    public var stream: StreamName
    /// The version of the last event folded into ``state``.
    public var version: Int
    /// The version of the state's shape (``SnapshotPolicy/schemaVersion``); a snapshot whose schema version
    /// differs from the code's is ignored.
    public var schemaVersion: Int
    /// The encoded state.
    public var state: JSON

    public init(stream: StreamName, version: Int, schemaVersion: Int, state: JSON) {
        self.stream = stream
        self.version = version
        self.schemaVersion = schemaVersion
        self.state = state
    }
}
