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
    /// events, and its latest replay request (`replay`, null when none); a name never checkpointed answers
    /// checkpoint 0. 501 when the store keeps no checkpoints.
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
            let name = try Self.consumerName(context)
            let checkpoints = try checkpointStore()
            let checkpoint = try await checkpoints.checkpoint(of: name)
            let parked = try await checkpoints.parkedEvents(of: name)
            let head = try await engine.store.headPosition()
            let replay = try await ReplayState.latest(of: name, in: engine.store)
            return Response.ok([
                "consumer": .string(name), "checkpoint": .int(Int(checkpoint)), "head": .int(Int(head)),
                "lag": .int(Int(max(0, head - checkpoint))), "replay": replay.map(Self.replayJSON) ?? .null,
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

    /// `POST /_consumers/{name}/replay`: asks the consumer's runner to replay its parked events (all, or those
    /// at the body's `positions`) by appending a ``ReplayRequest`` to `$replay:<name>`; 202, as the runner (in the
    /// Swift program that runs the consumer) honours it when it next catches up. 409 when nothing is parked, 422
    /// when a position is not parked.
    func addConsumerAdministration(_ routes: inout Routes.Group) {
        routes.on(.post, "/_consumers/:name/replay") { request, context in
            var request = request
            let name = try Self.consumerName(context)
            let checkpoints = try checkpointStore()
            let positions = try Self.replayPositions(
                try await request.optionalJSONBody(limit: configuration.maximumBodySize))
            let parked = Set(try await checkpoints.parkedEvents(of: name).map(\.position))
            guard !parked.isEmpty else {
                throw APIError(.conflict, "Consumer '\(name)' has no parked events to replay.")
            }
            let unknown = (positions ?? []).filter { !parked.contains($0) }
            guard unknown.isEmpty else {
                throw APIError(
                    .unprocessableContent,
                    "Consumer '\(name)' has no parked event at position "
                        + unknown.map(String.init).joined(separator: ", ") + ".")
            }
            let result = try await ReplayRequest(
                consumer: name, positions: positions, requestedBy: Authorization.keyID(of: request)
            )
            .append(to: engine.store)
            return Response.written(
                ["consumer": .string(name), "status": "pending"], position: result.firstPosition, status: .accepted)
        }
    }

    /// The `{name}` of a consumer route: 1 to 200 characters.
    private static func consumerName(_ context: EvidentRequestContext) throws -> String {
        let name = try context.parameter("name")
        guard (1...200).contains(name.count) else {
            throw APIError(.badRequest, "A consumer's name is 1 to 200 characters.")
        }
        return name
    }

    /// The positions a replay's body names, sorted and without repeats; nil (every parked event) without a body
    /// or with `"positions": null`.
    private static func replayPositions(_ body: JSON?) throws -> [Int64]? {
        guard let body else { return nil }
        guard let fields = body.object, fields.keys.allSatisfy({ $0 == "positions" }) else {
            throw APIError(.badRequest, "A replay's body is empty or {\"positions\": [POSITION, ...]}.")
        }
        guard let value = fields["positions"], !value.isNull else { return nil }
        guard let list = value.array, !list.isEmpty,
            let positions = Optional(list.compactMap({ $0.number.flatMap { Int64(exactly: $0) } })),
            positions.count == list.count, positions.allSatisfy({ $0 > 0 })
        else {
            throw APIError(
                .badRequest, "'positions' is a non-empty array of log positions (positive integers), or null for all.")
        }
        return Set(positions).sorted()
    }

    /// The latest replay request of a consumer as `GET /_consumers/{name}` shows it.
    private static func replayJSON(_ state: ReplayState) -> JSON {
        let positions = { (list: [Int64]) in JSON.array(list.map { .int(Int($0)) }) }
        return [
            "status": state.completion == nil ? "pending" : "completed",
            "requested_at": .int(state.requestEvent.recordedAt.unixSeconds),
            "position": .int(Int(state.requestEvent.position)),
            "positions": state.request.positions.map(positions) ?? .null,
            "replayed": state.completion.map { positions($0.replayed) } ?? .null,
            "still_parked": state.completion.map { positions($0.stillParked) } ?? .null,
        ]
    }

    /// The store where consumers' checkpoints are kept; 501 when there is none.
    private func checkpointStore() throws -> any CheckpointStore {
        guard let checkpoints = storeBeneath(as: (any CheckpointStore).self) else {
            throw APIError(.notImplemented, "This server's store keeps no consumer checkpoints.")
        }
        return checkpoints
    }

    /// The store as `type` (where consumers' checkpoints are kept): the store itself, or the one a privacy
    /// wrapper holds.
    func storeBeneath<Kind>(as type: Kind.Type) -> Kind? {
        (engine.store as? Kind) ?? ((engine.store as? PrivacyEventStore)?.base as? Kind)
    }
}
