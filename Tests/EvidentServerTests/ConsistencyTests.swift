import Evident
import EvidentEngine
import EvidentServer
import EvidentTesting
import Foundation
import HTTPTypes
import Testing

@Suite("HTTP API: consistency tokens")
struct ConsistencyTests {
    static func bearer(_ key: String) -> HTTPFields { [.authorization: "Bearer \(key)"] }

    @Test(
        "every write answers its position in the body and the Evident-Position header; a replay the stored one",
        arguments: StoreKind.all)
    func writesAnswerTheirPosition(_ store: StoreKind) async throws {
        try await TestServer(store).test { client in
            let cart = Fixture.id()
            let opened = try await client.post("/cart/\(cart)/was_opened", Fixture.event(["customer_id": "c"]))
            let first = try #require(opened.position)

            let item = Fixture.event(Fixture.item)
            let key: HTTPFields = [HTTPField.Name("Idempotency-Key")!: "add-1"]
            let added = try await client.post("/cart/\(cart)/item_was_added", item, headers: key)
            let replayed = try await client.post("/cart/\(cart)/item_was_added", item, headers: key)
            #expect(try #require(added.position) > first)
            #expect(replayed["replayed"] == true && replayed.position == added.position)

            let batch = try await client.post(
                "/cart/\(cart)",
                [
                    "events": [
                        ["type": "item_was_added", "data": Fixture.item],
                        ["type": "coupon_was_applied", "data": ["code": "C", "percent": 5]],
                    ],
                    "metadata": Fixture.metadata(),
                ])
            #expect(batch.status == .created)
            #expect(batch.position != nil && batch["positions"]?.array?.last == batch["position"])

            let v2 = try String(
                contentsOf: TestServer.repository.appendingPathComponent("Examples/specs/shop-v2.json"), encoding: .utf8
            )
            let stored = try await client.request(.put, "/_spec", body: v2)
            let again = try await client.request(.put, "/_spec", body: v2)
            let dryRun = try await client.request(.put, "/_spec?dry_run=true", body: v2)
            #expect(stored.status == .ok && stored["version"] == 2)
            #expect(try #require(stored.position) > (batch.position ?? .max))
            #expect(again["version"] == 2 && again.position == stored.position)
            #expect(dryRun["position"] == nil && dryRun.headers[.evidentPosition] == nil)

            let admin = try await client.post("/_keys", ["scope": "admin"])
            let adminKey = try #require(admin["key"]?.string)
            #expect(admin.status == .created && admin.position != nil)
            let read = try await client.post("/_keys", ["scope": "read"], headers: Self.bearer(adminKey))
            let revoked = try await client.request(
                .delete, "/_keys/\(read["id"]?.string ?? "")", headers: Self.bearer(adminKey))
            #expect(revoked["revoked"] == true && revoked.position == (read.position ?? 0) + 1)
        }
    }

    @Test(
        "a read with the token of a write answers at once (wait=0) on every route that takes one",
        arguments: StoreKind.all)
    func visibleTokens(_ store: StoreKind) async throws {
        try await TestServer(store).test { client in
            let cart = Fixture.id()
            let token = try #require(
                try await client.post("/cart/\(cart)/was_opened", Fixture.event(["customer_id": "c"])).position)
            let header: HTTPFields = [.evidentAfter: "\(token)"]
            #expect(try await client.get("/cart/\(cart)?after=\(token)&wait=0")["metadata"]?["length"] == 1)
            #expect(try await client.get("/cart/\(cart)?wait=0", headers: header)["metadata"]?["length"] == 1)
            #expect(try await client.get("/cart/\(cart)/length?after=\(token)&wait=0")["length"] == 1)
            #expect(try await client.get("/cart/\(cart)/events?after=\(token)&wait=0")["events"]?.array?.count == 1)
            #expect(try await client.get("/_spec?after=\(token)&wait=0")["version"] == 1)
            #expect(try await client.get("/_log?wait=0", headers: header)["events"]?.array?.count == 1)
            let feed = try await client.get("/_log/stream?until=\(token)&wait=0", headers: header)
            #expect(feed.status == .ok && feed.text.contains("id: \(token)\n"))
        }
    }

    @Test(
        "a token past the head answers 503 with Retry-After; the log routes take it only as a header",
        arguments: StoreKind.all)
    func tokenPastTheHead(_ store: StoreKind) async throws {
        try await TestServer(store).test { client in
            let cart = Fixture.id()
            let opened = try await client.post("/cart/\(cart)/was_opened", Fixture.event(["customer_id": "c"]))
            let future = try #require(opened.position) + 1_000
            let header: HTTPFields = [.evidentAfter: "\(future)"]
            let refused = [
                try await client.get("/cart/\(cart)?after=\(future)&wait=0.2"),
                try await client.get("/cart/\(cart)/length?wait=0", headers: header),
                try await client.get("/cart/\(cart)/events?after=\(future)&wait=0"),
                try await client.get("/_spec?after=\(future)&wait=0"),
                try await client.get("/_log?wait=0", headers: header),
                try await client.get("/_log/stream?wait=0", headers: header),
            ]
            for answer in refused {
                #expect(answer.status == .serviceUnavailable)
                #expect(answer.headers[.retryAfter] == "1")
                #expect(answer["ok"] == false && answer["position"] == .int(future))
                #expect(answer["error"]?.string?.contains("is not yet visible where this read was served") == true)
            }
            // On the log routes `?after=` is the page cursor.
            #expect(try await client.get("/_log?after=\(future)&wait=0")["events"]?.array == [])
            // The larger of the two tokens counts.
            let both = try await client.get("/cart/\(cart)?after=1&wait=0", headers: header)
            #expect(both.status == .serviceUnavailable)
        }
    }

    @Test("malformed after, Evident-After and wait answer 400", arguments: StoreKind.all)
    func malformedTokens(_ store: StoreKind) async throws {
        try await TestServer(store).test { client in
            let cart = Fixture.id()
            for query in [
                "after=-1", "after=abc", "after=1.5", "after=", "wait=31", "wait=-1", "wait=abc", "wait=nan",
                "wait=inf",
                "wait=",
            ] {
                let answer = try await client.get("/cart/\(cart)?\(query)")
                #expect(answer.status == .badRequest, "\(query)")
                #expect(answer["error"]?.string?.contains("Query parameter") == true, "\(query)")
            }
            for value in ["-1", "abc", "1.5"] {
                for uri in ["/cart/\(cart)", "/_log", "/_log/stream"] {
                    let answer = try await client.get(uri, headers: [.evidentAfter: value])
                    #expect(answer.status == .badRequest, "\(uri) \(value)")
                    #expect(
                        answer["error"]
                            == "The Evident-After header must be a log position (a whole number, 0 or more).")
                }
            }
            #expect(try await client.get("/_log?wait=100").status == .badRequest)
            #expect(try await client.get("/cart/\(cart)/length?wait=0.5").status == .ok)
        }
    }

    @Test(
        "with a read store that lags, a read with a token waits until the write is visible there",
        arguments: StoreKind.all)
    func laggingReadStore(_ store: StoreKind) async throws {
        let server = try await TestServer(store, readStore: { LaggingStore(primary: $0) })
        let replica = try #require(server.server.engine.readStore as? LaggingStore)
        try await server.test { client in
            let cart = Fixture.id()
            let opened = try await client.post("/cart/\(cart)/was_opened", Fixture.event(["customer_id": "c"]))
            let first = try #require(opened.position)
            // Without a token a read answers what the read store shows; with one it does not answer stale.
            #expect(try await client.get("/cart/\(cart)").status == .notFound)
            #expect(try await client.get("/cart/\(cart)?after=\(first)&wait=0").status == .serviceUnavailable)
            // Writes decide on the primary, where the first event is.
            let added = try await client.post("/cart/\(cart)/item_was_added", Fixture.event(Fixture.item))
            let token = try #require(added.position)

            var waits = replica.waits.makeAsyncIterator()
            async let read = client.get("/cart/\(cart)?after=\(token)&wait=30")
            _ = await waits.next()  // the read waits for the read store
            try await replica.releaseAll()
            let answer = try await read
            #expect(answer.status == .ok)
            #expect(answer["metadata"]?["length"] == 2 && answer["data"]?["total"] == 3)
            let log = try await client.get("/_log?wait=0", headers: [.evidentAfter: "\(token)"])
            #expect(log["events"]?.array?.compactMap { $0["position"] } == [.int(first), .int(token)])
        }
    }
}
