/// Where a projection or reactor stands.
public struct ProjectionStatus: Sendable, Hashable {
    public var name: String
    /// The position of the last event handled or parked.
    public var checkpoint: Int64
    /// The log's head position.
    public var head: Int64
    /// How many parked events wait for a replay.
    public var parked: Int

    public init(name: String, checkpoint: Int64, head: Int64, parked: Int) {
        self.name = name
        self.checkpoint = checkpoint
        self.head = head
        self.parked = parked
    }

    /// How far behind the log's head it is, in positions.
    public var lag: Int64 { max(0, head - checkpoint) }
}

/// A store that can list its consumers: every projection and reactor with a checkpoint in it.
public protocol ConsumerListing: Sendable {
    /// Where each consumer with a checkpoint stands, by name.
    func consumerStatuses() async throws -> [ProjectionStatus]
}
