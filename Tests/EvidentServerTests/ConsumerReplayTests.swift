import Evident
import EvidentEngine
import EvidentServer
import EvidentTesting
import HTTPTypes
import Testing

@Suite("Replaying a consumer's parked events")
struct ConsumerReplayTests {
    @Test(
        "POST /_consumers/{name}/replay records a request (admin only, checked); GET shows it pending, then completed",
        arguments: StoreKind.all)
    func replay(_ kind: StoreKind) async throws {
        let server = try await TestServer(kind)
        let store = server.server.store
        let checkpoints = try #require((store as? PrivacyEventStore)?.base as? any CheckpointStore)
        let (_, readKey, _) = try await server.server.engine.keys.create(scope: .read)
        let (adminID, adminKey, _) = try await server.server.engine.keys.create(scope: .admin)
        try await server.test { client in
            let admin: HTTPFields = [.authorization: "Bearer \(adminKey)"]
            let cart = Fixture.id()
            let opened = try #require(
                try await client.post("/cart/\(cart)/was_opened", Fixture.event(["customer_id": "c"]), headers: admin)
                    .position)
            let added = try #require(
                try await client.post("/cart/\(cart)/item_was_added", Fixture.event(Fixture.item), headers: admin)
                    .position)
            // A projection of this process parks the second event.
            let projection = CountingProjection(
                filter: LogFilter(eventTypes: ["was_opened", "item_was_added"]),
                failing: [Int64(added)])
            var configuration = ProjectionRunnerConfiguration()
            configuration.retry = RetryPolicy(maximumAttempts: 1)
            let runner = ProjectionRunner(
                store: store, consumer: CheckpointedConsumer(projection, checkpoints: checkpoints),
                configuration: configuration)
            try await runner.catchUp()
            #expect(try await runner.parkedEvents().map(\.position) == [Int64(added)])
            #expect(try await client.get("/_consumers/counts", headers: admin)["replay"] == .null)

            // Refused, and nothing appended (the head may move: a key's first use is recorded).
            let readOnly = try await client.request(
                .post, "/_consumers/counts/replay", headers: [.authorization: "Bearer \(readKey)"])
            #expect(readOnly.status == .forbidden)
            let nothingParked = try await client.request(.post, "/_consumers/nobody/replay", headers: admin)
            #expect(nothingParked.status == .conflict)
            let notParked = try await client.post(
                "/_consumers/counts/replay", ["positions": [.int(opened), .int(added)]], headers: admin)
            #expect(notParked.status == .unprocessableContent)
            #expect(notParked.text.contains("no parked event at position \(opened)."))
            for body: JSON in [["positions": "all"], ["positions": [0]], ["positions": []], ["position": [1]], [1.5]] {
                let bad = try await client.post("/_consumers/counts/replay", body, headers: admin)
                #expect(bad.status == .badRequest, "\(body)")
            }
            let longName = try await client.request(
                .post, "/_consumers/\(String(repeating: "n", count: 201))/replay", headers: admin)
            #expect(longName.status == .badRequest)
            for name in ["counts", "nobody"] {
                #expect(try await store.streamInfo(ReplayRequest.stream(of: name)) == nil)
            }

            // Accepted: one request event, pending until the consumer's runner honours it.
            let accepted = try await client.request(.post, "/_consumers/counts/replay", headers: admin)
            #expect(accepted.status == .accepted)
            #expect(accepted["consumer"] == "counts" && accepted["status"] == "pending")
            let position = try #require(accepted.position)
            let request = try #require(try await store.readStream(ReplayRequest.stream(of: "counts")).last)
            #expect(request.type == "replay_requested" && request.position == Int64(position))
            #expect(request.data == ["consumer": "counts", "positions": .null, "requested_by": .string(adminID)])
            let pending = try await client.get("/_consumers/counts", headers: admin)
            #expect(pending["replay"]?["status"] == "pending")
            #expect(pending["replay"]?["position"] == .int(position))
            #expect(pending["replay"]?["replayed"] == .null)

            projection.heal()
            #expect(try await runner.replayRequested() != nil)
            let completed = try await client.get("/_consumers/counts", headers: admin)
            #expect(completed["replay"]?["status"] == "completed")
            #expect(completed["replay"]?["replayed"] == [.int(added)])
            #expect(completed["replay"]?["still_parked"] == [])
            #expect(completed["parked"] == [])
            #expect(projection.applied.contains(Int64(added)))

            // Nothing is parked any more.
            let again = try await client.request(.post, "/_consumers/counts/replay", headers: admin)
            #expect(again.status == .conflict)
        }
    }

    @Test("a consumer name that cannot be a stream id gets a stream of its own")
    func streamOfAnyName() throws {
        #expect(ReplayRequest.stream(of: "totals").description == "$replay:totals")
        let spaced = ReplayRequest.stream(of: "daily totals")
        #expect(spaced.id.hasPrefix("~") && spaced.id.count == 65)
        #expect(spaced != ReplayRequest.stream(of: "daily  totals"))
        #expect(ReplayRequest.stream(of: "~x").id.count == 65, "a name like a derived id is derived too")
        #expect(try StreamName(ReplayRequest.stream(of: String(repeating: "é", count: 200)).description).isSystem)
    }
}
