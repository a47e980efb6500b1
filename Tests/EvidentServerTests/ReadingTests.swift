import Evident
import EvidentServer
import Foundation
import HTTPTypes
import Testing

@Suite("HTTP API: reading")
struct ReadingTests {
    @Test("state now, at a version, at a time; 404 without events; singletons answer 200", arguments: StoreKind.all)
    func state(_ store: StoreKind) async throws {
        try await TestServer(store).test { client in
            let cart = Fixture.id()
            #expect(try await client.get("/cart/\(cart)").status == .notFound)
            #expect(try await client.get("/cart/\(cart)/length")["length"] == 0)
            #expect(try await client.get("/cart/global").status == .ok)
            #expect(try await client.get("/cart/global")["metadata"]?["length"] == 0)
            #expect(try await client.get("/cart/bad!id").status == .unprocessableContent)
            #expect(try await client.get("/ghost/\(cart)").status == .notFound)

            try await client.post("/cart/\(cart)/was_opened", Fixture.event(["customer_id": "c"]))
            let before = Int(Date().timeIntervalSince1970)
            try await Task.sleep(for: .milliseconds(1_100))
            try await client.post("/cart/\(cart)/item_was_added", Fixture.event(Fixture.item))
            try await client.post("/cart/\(cart)/item_was_added", Fixture.event(Fixture.item))
            #expect(try await client.get("/cart/\(cart)")["data"]?["total"] == 6)
            #expect(try await client.get("/cart/\(cart)?synchronous=true")["data"]?["total"] == 6)
            let second = try await client.get("/cart/\(cart)?version=2")
            #expect(second["data"]?["total"] == 3 && second["metadata"]?["length"] == 2)
            let past = try await client.get("/cart/\(cart)?at=\(before)")
            #expect(past["data"]?["total"] == 0)
            #expect(past["metadata"]?["length"] == 1)
            #expect(try await client.get("/cart/\(cart)?at=0").status == .notFound)
            #expect(try await client.get("/cart/\(cart)?at=soon").status == .badRequest)
            #expect(try await client.get("/cart/\(cart)?version=-1").status == .badRequest)
            #expect(try await client.get("/cart/\(cart)?at=1&version=1").status == .badRequest)
        }
    }

    @Test("a stream's events, in pages", arguments: StoreKind.all)
    func events(_ store: StoreKind) async throws {
        try await TestServer(store).test { client in
            let cart = Fixture.id()
            try await client.post("/cart/\(cart)/was_opened", Fixture.event(["customer_id": "c"]))
            for _ in 0..<4 { try await client.post("/cart/\(cart)/item_was_added", Fixture.event(Fixture.item)) }
            let first = try await client.get("/cart/\(cart)/events?from=1&limit=3")
            let events = try #require(first["events"]?.array)
            #expect(events.map { $0["version"] } == [1, 2, 3])
            #expect(events[0]["type"] == "was_opened")
            #expect(events[0]["metadata"]?["actor"]?["type"] == "customer")
            #expect(events[0]["metadata"]?["timestamp"]?.number != nil)
            #expect(events[0]["id"]?.string?.count == 36)
            #expect(first["next"] == 4)
            let rest = try await client.get("/cart/\(cart)/events?from=4")
            #expect(rest["events"]?.array?.count == 2)
            #expect(rest["next"] == .null)
            #expect(try await client.get("/cart/\(cart)/events?limit=0").status == .badRequest)
            #expect(try await client.get("/cart/\(cart)/events?from=zero").status == .badRequest)
        }
    }

    @Test("the global log, filtered, without system streams", arguments: StoreKind.all)
    func log(_ store: StoreKind) async throws {
        try await TestServer(store).test { client in
            let cart = Fixture.id()
            try await client.post("/cart/\(cart)/was_opened", Fixture.event(["customer_id": "c"]))
            try await client.post("/cart/\(cart)/item_was_added", Fixture.event(Fixture.item))
            let all = try await client.get("/_log")
            let events = try #require(all["events"]?.array)
            #expect(events.map { $0["type"] } == ["was_opened", "item_was_added"])
            let after = try #require(events[0]["position"]?.number)
            #expect(try await client.get("/_log?after=\(Int(after))")["events"]?.array?.count == 1)
            #expect(try await client.get("/_log?types=item_was_added")["events"]?.array?.count == 1)
            #expect(try await client.get("/_log?aggregate_type=order")["events"]?.array?.count == 0)
            #expect(try await client.get("/_log?limit=1")["next"] == events[0]["position"])
            #expect(try await client.get("/_log?after=-4").status == .badRequest)
        }
    }

    @Test(
        "the live feed sends stored events, then live ones, as Server-Sent Events; Last-Event-ID resumes",
        arguments: StoreKind.all)
    func liveFeed(_ store: StoreKind) async throws {
        try await TestServer(store).test { client in
            let cart = Fixture.id()
            let opened = try await client.post("/cart/\(cart)/was_opened", Fixture.event(["customer_id": "c"]))
            let head = Int(try #require(opened["position"]?.number))
            async let feed = client.get("/_log/stream?after=0&until=\(head + 2)")
            try await Task.sleep(for: .milliseconds(300))
            try await client.post("/cart/\(cart)/item_was_added", Fixture.event(Fixture.item))
            try await client.post("/cart/\(cart)/item_was_added", Fixture.event(Fixture.item))
            let answer = try await feed
            #expect(answer.status == .ok)
            #expect(answer.headers[.contentType] == "text/event-stream")
            let ids = answer.text.split(separator: "\n").filter { $0.hasPrefix("id: ") }
            #expect(ids == ["id: \(head)", "id: \(head + 1)", "id: \(head + 2)"])
            #expect(answer.text.contains("event: item_was_added\ndata: {"))
            let resumed = try await client.get(
                "/_log/stream?until=\(head + 2)", headers: [HTTPField.Name("Last-Event-ID")!: "\(head + 1)"])
            #expect(resumed.text.split(separator: "\n").filter { $0.hasPrefix("id: ") } == ["id: \(head + 2)"])
            // The feed stops at `until` even when more events are already stored.
            let stopped = try await client.get("/_log/stream?after=0&until=\(head)")
            #expect(stopped.text.split(separator: "\n").filter { $0.hasPrefix("id: ") }.last == "id: \(head)")
            let garbled = try await client.get("/_log/stream", headers: [HTTPField.Name("Last-Event-ID")!: "abc"])
            #expect(garbled.status == .badRequest)
        }
    }
}
