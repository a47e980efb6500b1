import Evident
import EvidentServer
import Foundation
import HTTPTypes
import Testing

@Suite("HTTP API: listing and finding aggregates")
struct ListingTests {
    @Test(
        "GET /{type} lists a type's aggregates in id order, in pages, with lengths and positions",
        arguments: StoreKind.all)
    func listing(_ store: StoreKind) async throws {
        try await TestServer(store).test { client in
            let empty = try await client.get("/cart")
            #expect(empty.status == .ok && empty["aggregates"] == [] && empty["next"] == nil)
            let carts = (0..<5).map { _ in Fixture.id() }
            var positions: [String: Int] = [:]
            for (index, cart) in carts.enumerated() {
                try await client.post("/cart/\(cart)/was_opened", Fixture.event(["customer_id": "c"]))
                for _ in 0..<index {
                    let added = try await client.post("/cart/\(cart)/item_was_added", Fixture.event(Fixture.item))
                    #expect(added.status == .created)
                }
                positions[cart] = try #require(
                    try await client.get("/cart/\(cart)/events?from=\(index + 1)")["events"]?.array?.first?["position"]?
                        .integer)
            }
            let sorted = carts.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
            let first = try await client.get("/cart?limit=2")
            #expect(first.status == .ok && first["ok"] == true)
            let page = try #require(first["aggregates"]?.array)
            #expect(page.map { $0["id"]?.string } == Array(sorted.prefix(2)))
            #expect(first["next"] == .string(sorted[1]))
            let state = try await client.get("/cart/\(sorted[0])")
            #expect(page[0]["length"] == state["metadata"]?["length"])
            #expect(page[0]["updated_at"] == state["metadata"]?["updated_at"])
            #expect(page[0]["position"]?.integer == positions[sorted[0]])
            var seen = page.compactMap { $0["id"]?.string }
            var next = first["next"]?.string
            while let after = next {
                let more = try await client.get("/cart?after=\(after)&limit=2")
                seen += more["aggregates"]?.array?.compactMap { $0["id"]?.string } ?? []
                next = more["next"]?.string
            }
            #expect(seen == sorted)
            let lengths = try #require(try await client.get("/cart")["aggregates"]?.array)
            #expect(lengths.map { $0["length"]?.integer } == sorted.map { carts.firstIndex(of: $0)! + 1 })
            #expect(try await client.get("/cart")["next"] == nil)
            #expect(try await client.get("/order")["aggregates"] == [])
        }
    }

    @Test("bad listings are 4xx: unknown type, bad limit, malformed target", arguments: StoreKind.all)
    func badListings(_ store: StoreKind) async throws {
        try await TestServer(store).test { client in
            let ghost = try await client.get("/ghost")
            #expect(ghost.status == .notFound && ghost["ok"] == false)
            for limit in ["0", "1001", "ten", "-1"] {
                #expect(try await client.get("/cart?limit=\(limit)").status == .badRequest)
            }
            for target in ["order", "order:", ":1", "order:not-an-id", "bad!type:1", "%24keys:all"] {
                let status = try await client.get("/cart?target=\(target)").status
                #expect(status == .badRequest || status == .unprocessableContent, "\(target): \(status)")
                let log = try await client.get("/_log?target=\(target)").status
                #expect(log == .badRequest || log == .unprocessableContent, "\(target): \(log)")
            }
            #expect(try await client.get("/cart?limit=1000").status == .ok)
        }
    }

    @Test(
        "GET /_log?target= and GET /{type}?target= find events and aggregates by metadata.target",
        arguments: StoreKind.all)
    func findingByTarget(_ store: StoreKind) async throws {
        try await TestServer(store).test { client in
            let (order, other) = (Fixture.id(), Fixture.id())
            let carts = (0..<3).map { _ in Fixture.id() }
            func open(_ cart: String, target: String?) async throws {
                let extra: [String: JSON] = target.map { ["target": ["type": "order", "id": .string($0)]] } ?? [:]
                let written = try await client.post(
                    "/cart/\(cart)/was_opened", Fixture.event(["customer_id": "c"], extra))
                #expect(written.status == .created)
            }
            try await open(carts[0], target: order)
            try await open(carts[1], target: other)
            try await open(carts[2], target: nil)
            let added = try await client.post(
                "/cart/\(carts[2])/item_was_added",
                Fixture.event(Fixture.item, ["target": ["type": "order", "id": .string(order)]]))
            let events = try #require(try await client.get("/_log?target=order:\(order)")["events"]?.array)
            #expect(events.map { $0["metadata"]?["target"]?["id"]?.string } == [order, order])
            #expect(events.map { $0["type"]?.string } == ["was_opened", "item_was_added"])
            let paged = try await client.get("/_log?target=order:\(order)&limit=1")
            #expect(paged["events"]?.array?.count == 1)
            let rest = try await client.get("/_log?target=order:\(order)&after=\(paged["next"]?.integer ?? 0)")
            #expect(rest["events"]?.array?.map { $0["type"]?.string } == ["item_was_added"])
            let found = try #require(try await client.get("/cart?target=order:\(order)")["aggregates"]?.array)
            #expect(Set(found.compactMap { $0["id"]?.string }) == [carts[0], carts[2]])
            #expect(found.first { $0["id"]?.string == carts[2] }?["length"] == 2)
            #expect(try await client.get("/cart?target=order:\(Fixture.id())")["aggregates"] == [])
            #expect(try await client.get("/order?target=order:\(order)")["aggregates"] == [])
            // The live feed filters the same way: only the two targeted events, up to the head.
            let head = try #require(added["position"]?.integer)
            let feed = try await client.get("/_log/stream?after=0&until=\(head)&target=order:\(order)")
            #expect(feed.status == .ok)
            #expect(
                feed.text.split(separator: "\n").filter { $0.hasPrefix("event: ") } == [
                    "event: was_opened", "event: item_was_added",
                ])
            #expect(try await client.get("/_log/stream?target=order").status == .badRequest)
        }
    }
}

extension JSON {
    /// The value as a whole number, when it is one.
    fileprivate var integer: Int? { number.map { Int($0) } }
}
