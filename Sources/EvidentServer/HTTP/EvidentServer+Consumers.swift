import Evident
import EvidentEngine
import Foundation
import Hummingbird

extension EvidentServer {
    /// `GET /_consumers/{name}`: where a catch-up consumer (a projection or reactor of a Swift program that shares
    /// the store, run by `ProjectionRunner`) stands: its checkpoint, the log's head, its lag, and its parked
    /// events. The store keeps checkpoints by name but cannot list the names, so the client names the consumer;
    /// a name never checkpointed answers checkpoint 0. 501 when the store keeps no checkpoints.
    func addConsumerRoutes(_ routes: inout Routes.Group) {
        routes.on(.get, "/_consumers/:name") { _, context in
            let name = try context.parameter("name")
            guard (1...200).contains(name.count) else {
                throw APIError(.badRequest, "A consumer's name is 1 to 200 characters.")
            }
            guard let checkpoints = checkpointStore else {
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

    /// Where the store keeps consumers' checkpoints: the store itself, or the one a privacy wrapper holds.
    private var checkpointStore: (any CheckpointStore)? {
        if let store = engine.store as? any CheckpointStore { return store }
        return (engine.store as? PrivacyEventStore)?.base as? any CheckpointStore
    }
}
