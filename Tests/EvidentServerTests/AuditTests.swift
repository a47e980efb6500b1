import Evident
import EvidentEngine
import EvidentServer
import HTTPTypes
import Logging
import Testing

@Suite("HTTP API: audit")
struct AuditTests {
    @Test(
        "events carry their hash; GET /_verify checks the chain; signed heads come from GET /_audit/head",
        arguments: StoreKind.all)
    func chainAndCheckpoints(_ kind: StoreKind) async throws {
        let server = try await TestServer(kind)
        let key = SigningKey()
        let signer = CheckpointSigner(store: server.server.engine.store, key: key, logger: Logger(label: "test"))
        try await server.test { client in
            #expect(try await client.get("/_audit/head").status == .notFound)
            let cart = Fixture.id()
            try await client.post("/cart/\(cart)/was_opened", Fixture.event(["customer_id": "c"]))
            try await client.post("/cart/\(cart)/item_was_added", Fixture.event(Fixture.item))
            let events = try await client.get("/cart/\(cart)/events")["events"]?.array ?? []
            #expect(events.count == 2 && events.allSatisfy { $0["hash"]?.string?.count == 64 })

            #expect(try await signer.signIfDue(timeIsUp: false) == false, "fewer than 1,000 events and no time up")
            #expect(try await signer.signIfDue(timeIsUp: true))
            #expect(try await signer.signIfDue(timeIsUp: true) == false, "nothing new since the checkpoint")
            let head = try await client.get("/_audit/head")
            #expect(head.status == .ok)
            let checkpoint = try SignedCheckpoint(json: head.json)
            #expect(checkpoint.isValid(trusting: key.publicKey))
            #expect(checkpoint.position == Int64(events.last?["position"]?.number ?? 0))
            #expect(LogChain.hex(checkpoint.hash) == events.last?["hash"]?.string)

            let verified = try await client.get("/_verify")
            #expect(verified["verified"] == .int(Int(checkpoint.position) + 1), "\(verified.text)")
            // The first run's record is in the log too.
            #expect(try await client.get("/_verify?from=2")["verified"] == .int(Int(checkpoint.position) + 1))
            #expect(try await client.get("/_verify?from=0").status == .badRequest)
        }
    }
}
