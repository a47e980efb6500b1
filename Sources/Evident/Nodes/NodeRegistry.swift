public import Foundation

/// One server process serving a store, as it last reported itself.
public struct NodeRecord: Sendable, Hashable {
    public var id: UUID
    /// What the node listens on, `host:port`.
    public var address: String
    /// The Evident version it runs.
    public var version: String
    public var startedAt: Date
    public var lastSeenAt: Date

    public init(id: UUID, address: String, version: String, startedAt: Date, lastSeenAt: Date) {
        self.id = id
        self.address = address
        self.version = version
        self.startedAt = startedAt
        self.lastSeenAt = lastSeenAt
    }
}

/// A store shared by several server processes that keeps a record of each: every node reports itself on a
/// heartbeat and removes its record when it stops.
public protocol NodeRegistry: Sendable {
    /// Adds `node`, or replaces the record of its id.
    func recordNode(_ node: NodeRecord) async throws

    /// Removes the record of the node `id`, if any.
    func removeNode(id: UUID) async throws

    /// Removes the records of nodes last seen before `date`.
    func pruneNodes(seenBefore date: Date) async throws

    /// Every recorded node, the earliest started first.
    func nodes() async throws -> [NodeRecord]
}
