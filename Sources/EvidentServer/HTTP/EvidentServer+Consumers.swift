import Evident
import EvidentEngine
import Foundation
import Hummingbird

extension EvidentServer {
    /// `GET /_consumers`: every consumer with a checkpoint in the store, with its checkpoint, the head, its lag
    /// and how many events it parked.
    ///
    /// `GET /_consumers/{name}`: where a catch-up consumer (a projection or reactor of a Swift program that shares
    /// the store, run by `ProjectionRunner`) stands: its checkpoint, the log's head, its lag, and its parked
    /// events; a name never checkpointed answers checkpoint 0. 501 when the store keeps no checkpoints.
    func addConsumerRoutes(_ routes: inout Routes.Group) {
        routes.on(.get, "/_consumers") { _, _ in
            guard let listing = storeBeneath(as: (any ConsumerListing).self) else {
                throw APIError(.notImplemented, "This server's store keeps no consumer checkpoints.")
            }
            return Response.ok([
                "consumers": .array(
                    try await listing.consumerStatuses().map { status in
                        [
                            "consumer": .string(status.name), "checkpoint": .int(Int(status.checkpoint)),
                            "head": .int(Int(status.head)), "lag": .int(Int(status.lag)), "parked": .int(status.parked),
                        ]
                    })
            ])
        }

        routes.on(.get, "/_consumers/:name") { _, context in
            let name = try context.parameter("name")
            guard (1...200).contains(name.count) else {
                throw APIError(.badRequest, "A consumer's name is 1 to 200 characters.")
            }
            guard let checkpoints = storeBeneath(as: (any CheckpointStore).self) else {
                throw APIError(.notImplemented, "This server's store keeps no consumer checkpoints.")
            }
            let checkpoint = try await checkpoints.checkpoint(of: name)
            let parked = try await checkpoints.parkedEvents(of: name)
            let head = try await engine.store.headPosition()
            return Response.ok([
                "consumer": .string(name), "checkpoint": .int(Int(checkpoint)), "head": .int(Int(head)),
                "lag": .int(Int(max(0, head - checkpoint))),
                "parked": .array(
                    parked.map { event in
                        [
                            "position": .int(Int(event.position)), "id": .string(event.eventId.uuidString.lowercased()),
                            "key": .string(event.stream.description), "type": .string(event.eventType),
                            "error": .string(event.error), "attempts": .int(event.attempts),
                            "parked_at": .int(event.parkedAt.unixSeconds),
                        ]
                    }),
            ])
        }
    }

    /// The store as `type` (where consumers' checkpoints are kept): the store itself, or the one a privacy
    /// wrapper holds.
    func storeBeneath<Kind>(as type: Kind.Type) -> Kind? {
        (engine.store as? Kind) ?? ((engine.store as? PrivacyEventStore)?.base as? Kind)
    }
}
