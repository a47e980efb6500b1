public import Evident
public import Foundation
public import Logging
public import ServiceLifecycle

/// Keeps a node's record in a ``NodeRegistry``, as a service of `evident serve`: records it once the server
/// listens and every ``interval``, prunes records not seen for ``pruneAfter``, and removes its own on graceful
/// shutdown.
public struct NodeHeartbeat: Service {
    public static let interval: Duration = .seconds(10)
    /// A node seen within this many seconds is alive.
    public static let aliveWithin: TimeInterval = 30
    /// A record not seen for this many seconds (a day) is removed by the next heartbeat of any node.
    public static let pruneAfter: TimeInterval = 86_400

    let registry: any NodeRegistry
    let node: ServerNode
    let clock: @Sendable () -> Date
    let logger: Logger

    public init(
        registry: any NodeRegistry, node: ServerNode, clock: @escaping @Sendable () -> Date = Date.init,
        logger: Logger
    ) {
        self.registry = registry
        self.node = node
        self.clock = clock
        self.logger = logger
    }

    /// Records the node as seen now, and prunes the records of nodes gone for a day.
    public func beat() async throws {
        let now = clock()
        try await registry.recordNode(node.record(seenAt: now))
        try await registry.pruneNodes(seenBefore: now.addingTimeInterval(-Self.pruneAfter))
    }

    public func run() async throws {
        await cancelWhenGracefulShutdown {
            guard await node.waitUntilBound() != nil else { return }
            repeat {
                do {
                    try await beat()
                } catch is CancellationError {
                    break
                } catch {
                    logger.warning("Could not record this node", metadata: ["error": "\(error)"])
                }
            } while (try? await Task.sleep(for: Self.interval)) != nil
        }
        do {
            try await registry.removeNode(id: node.id)
        } catch {
            logger.warning("Could not remove this node's record", metadata: ["error": "\(error)"])
        }
    }
}
