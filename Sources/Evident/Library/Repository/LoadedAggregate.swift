/// An aggregate's state as loaded by a ``Repository``, with the version it reflects.
public struct LoadedAggregate<State: Sendable>: Sendable {
    /// The folded state.
    public var state: State
    /// The version of the last event folded (0 for an aggregate with no events): the expected version of
    /// the next append.
    public var version: Int
    /// The version of the snapshot the load started from, or nil for a full replay.
    public var snapshotVersion: Int?

    public init(state: State, version: Int, snapshotVersion: Int?) {
        self.state = state
        self.version = version
        self.snapshotVersion = snapshotVersion
    }
}
