import Evident
import Foundation
import Hummingbird
public import Logging

extension EvidentServer {
    /// `GET /_nodes`: the server processes serving this store, with whether each is this one and alive (seen
    /// within ``NodeHeartbeat/aliveWithin`` seconds). A store without a ``NodeRegistry`` (a SQLite file, served by
    /// one process) answers with this node alone.
    func addNodeRoutes(_ routes: inout Routes.Group) {
        routes.on(.get, "/_nodes") { _, _ in
            let now = configuration.clock()
            let nodes = try await storeBeneath(as: (any NodeRegistry).self)?.nodes() ?? [node.record(seenAt: now)]
            return Response.ok([
                "nodes": .array(
                    nodes.map { record in
                        [
                            "id": .string(record.id.uuidString.lowercased()),
                            "address": record.address.isEmpty ? .null : .string(record.address),
                            "version": .string(record.version),
                            "started_at": .string(record.startedAt.iso8601Milliseconds),
                            "last_seen_at": .string(record.lastSeenAt.iso8601Milliseconds),
                            "self": .bool(record.id == node.id),
                            "alive": .bool(now.timeIntervalSince(record.lastSeenAt) <= NodeHeartbeat.aliveWithin),
                        ]
                    })
            ])
        }
    }

    /// The service that keeps this node's record in the store, for `evident serve` to run; nil when the store
    /// keeps no record of nodes.
    public func nodeHeartbeat(logger: Logger) -> NodeHeartbeat? {
        storeBeneath(as: (any NodeRegistry).self).map {
            NodeHeartbeat(registry: $0, node: node, clock: configuration.clock, logger: logger)
        }
    }
}
