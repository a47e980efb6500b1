import Evident
import EvidentSQLite
import EvidentServer
import Foundation
import HTTPTypes
import Testing

@Suite("HTTP API: writing")
struct WritingTests {
    @Test("an event is written with 201 and the j17 envelope, then read back", arguments: StoreKind.all)
    func writeAndRead(_ store: StoreKind) async throws {
        try await TestServer(store).test { client in
            let cart = Fixture.id()
            let opened = try await client.post("/cart/\(cart)/was_opened", Fixture.event(["customer_id": "c1"]))
            #expect(opened.status == .created)
            #expect(opened["ok"] == true)
            #expect(opened["key"] == .string("cart:\(cart)"))
            #expect(opened["version"] == 1 && opened["length"] == 1 && opened["implied_count"] == 0)
            #expect(opened["position"]?.number ?? 0 > 0)
            let added = try await client.post("/cart/\(cart)/item_was_added", Fixture.event(Fixture.item))
            #expect(added["version"] == 2)
            let state = try await client.get("/cart/\(cart)")
            #expect(state.status == .ok)
            #expect(state["data"]?["total"] == 3)
            #expect(state["data"]?["status"] == "open")
            #expect(state["metadata"]?["length"] == 2)
            #expect(state["metadata"]?["created_at"]?.number != nil)
            #expect(try await client.get("/cart/\(cart)/length")["length"] == 2)
            // Upper-case UUIDs name the same aggregate.
            #expect(try await client.get("/cart/\(cart.uppercased())/length")["length"] == 2)
        }
    }

    @Test("a batch is atomic: one refused event writes nothing", arguments: StoreKind.all)
    func batch(_ store: StoreKind) async throws {
        try await TestServer(store).test { client in
            let cart = Fixture.id()
            let good: JSON = [
                "events": [
                    ["type": "was_opened", "data": ["customer_id": "c"]],
                    ["type": "item_was_added", "data": Fixture.item],
                ],
                "metadata": Fixture.metadata(),
            ]
            let written = try await client.post("/cart/\(cart)", good)
            #expect(written.status == .created)
            #expect(written["count"] == 2 && written["version"] == 2)
            #expect(written["positions"]?.array?.count == 2)
            let bad: JSON = [
                "events": [
                    ["type": "item_was_added", "data": Fixture.item], ["type": "item_was_added", "data": ["sku": 1]],
                ],
                "metadata": Fixture.metadata(),
            ]
            let refused = try await client.post("/cart/\(cart)", bad)
            #expect(refused.status == .unprocessableContent)
            #expect(try await client.get("/cart/\(cart)/length")["length"] == 2)
            #expect(
                try await client.post("/cart/\(cart)", ["events": [], "metadata": Fixture.metadata()]).status
                    == .badRequest)
        }
    }

    @Test("the three OCC modes", arguments: StoreKind.all)
    func optimisticConcurrency(_ store: StoreKind) async throws {
        try await TestServer(store).test { client in
            let cart = Fixture.id()
            try await client.post("/cart/\(cart)/was_opened", Fixture.event(["customer_id": "c"]))
            let stale = try await client.post(
                "/cart/\(cart)/item_was_added", Fixture.event(Fixture.item, ["previous_length": 0]))
            #expect(stale.status == .conflict)
            #expect(stale["error"] == "Concurrent write detected. Stream has 1 events, expected 0.")
            #expect(stale["length"] == 1)
            let current = try await client.post(
                "/cart/\(cart)/item_was_added", Fixture.event(Fixture.item, ["previous_length": 1]))
            #expect(current.status == .created)
            let unchecked = try await client.post(
                "/cart/\(cart)/item_was_added", Fixture.event(Fixture.item, ["skip_occ": true]))
            #expect(unchecked.status == .created)
            let both = try await client.post(
                "/cart/\(cart)/item_was_added", Fixture.event(Fixture.item, ["skip_occ": true, "previous_length": 3]))
            #expect(both.status == .badRequest)
            #expect(try await client.get("/cart/\(cart)")["data"]?["total"] == 6)
        }
    }

    @Test(
        "Idempotency-Key: a retry replays the first answer and writes nothing; another body is 422",
        arguments: StoreKind.all)
    func idempotency(_ store: StoreKind) async throws {
        try await TestServer(store).test { client in
            let cart = Fixture.id()
            try await client.post("/cart/\(cart)/was_opened", Fixture.event(["customer_id": "c"]))
            let key: HTTPFields = [HTTPField.Name("Idempotency-Key")!: "add-apple-1"]
            let first = try await client.post("/cart/\(cart)/item_was_added", Fixture.event(Fixture.item), headers: key)
            let retry = try await client.post("/cart/\(cart)/item_was_added", Fixture.event(Fixture.item), headers: key)
            #expect(first.status == .created && retry.status == .created)
            #expect(retry["replayed"] == true)
            #expect(retry["position"] == first["position"] && retry["version"] == first["version"])
            #expect(try await client.get("/cart/\(cart)/length")["length"] == 2)
            let other = try await client.post(
                "/cart/\(cart)/item_was_added", Fixture.event(["sku": "pear", "quantity": 1, "unit_price": 1]),
                headers: key)
            #expect(other.status == .unprocessableContent)
            #expect(try await client.get("/cart/\(cart)/length")["length"] == 2)

            // A retry is recognized before the checks, which the state changed by the first attempt would fail:
            // an external expected length, and a `requires` that no longer holds.
            let occKey: HTTPFields = [HTTPField.Name("Idempotency-Key")!: "add-with-length"]
            let withLength = Fixture.event(Fixture.item, ["previous_length": 2])
            let firstWithLength = try await client.post("/cart/\(cart)/item_was_added", withLength, headers: occKey)
            let retryWithLength = try await client.post("/cart/\(cart)/item_was_added", withLength, headers: occKey)
            #expect(firstWithLength.status == .created && retryWithLength.status == .created)
            #expect(retryWithLength["replayed"] == true && retryWithLength["version"] == 3)
            let checkoutKey: HTTPFields = [HTTPField.Name("Idempotency-Key")!: "checkout"]
            let checkout = Fixture.event(["order_id": .string(Fixture.id())])
            let checkedOut = try await client.post("/cart/\(cart)/was_checked_out", checkout, headers: checkoutKey)
            let checkoutRetry = try await client.post("/cart/\(cart)/was_checked_out", checkout, headers: checkoutKey)
            #expect(checkedOut.status == .created)
            #expect(checkoutRetry.status == .created && checkoutRetry["replayed"] == true)
            #expect(checkoutRetry["implied_count"] == checkedOut["implied_count"])
            #expect(try await client.get("/cart/\(cart)/length")["length"] == 4)
        }
    }

    @Test(
        "requires failing is 409 with the predicate's path; schema failures are 422 with the data path",
        arguments: StoreKind.all)
    func refusals(_ store: StoreKind) async throws {
        try await TestServer(store).test { client in
            let cart = Fixture.id()
            try await client.post("/cart/\(cart)/was_opened", Fixture.event(["customer_id": "c"]))
            let again = try await client.post("/cart/\(cart)/was_opened", Fixture.event(["customer_id": "c"]))
            #expect(again.status == .conflict)
            #expect(again["path"] == "aggregate_types.cart.events.was_opened.requires")
            let invalid = try await client.post(
                "/cart/\(cart)/item_was_added", Fixture.event(["sku": "a", "quantity": 0, "unit_price": 1]))
            #expect(invalid.status == .unprocessableContent)
            #expect(invalid["error"] == "Event data failed schema validation")
            #expect(invalid["path"] == "data.quantity")
            #expect(try await client.get("/cart/\(cart)/length")["length"] == 1)
        }
    }

    @Test("bad requests get clear errors and write nothing", arguments: StoreKind.all)
    func badRequests(_ store: StoreKind) async throws {
        try await TestServer(store).test { client in
            let cart = Fixture.id()
            let open = Fixture.event(["customer_id": "c"])
            #expect(try await client.post("/nothing/\(cart)/was_opened", open).status == .notFound)
            #expect(try await client.post("/cart/\(cart)/was_eaten", open).status == .notFound)
            #expect(try await client.post("/cart/not-an-id/was_opened", open).status == .unprocessableContent)
            let robot: JSON = ["data": ["customer_id": "c"], "metadata": Fixture.metadata(actorType: "robot")]
            #expect(try await client.post("/cart/\(cart)/was_opened", robot).status == .unprocessableContent)
            let anonymous: JSON = ["data": ["customer_id": "c"]]
            #expect(try await client.post("/cart/\(cart)/was_opened", anonymous).status == .unprocessableContent)
            let badTarget = Fixture.event(
                ["customer_id": "c"], ["target": ["type": "cart", "id": .string(Fixture.id())]])
            #expect(try await client.post("/cart/\(cart)/was_opened", badTarget).status == .unprocessableContent)
            let malformed = try await client.request(.post, "/cart/\(cart)/was_opened", body: "{\"data\": ")
            #expect(malformed.status == .badRequest)
            #expect(malformed["ok"] == false)
            #expect(try await client.request(.post, "/cart/\(cart)/was_opened", body: "[1]").status == .badRequest)
            #expect(
                try await client.post("/cart/\(cart)/was_opened", ["data": [1, 2], "metadata": Fixture.metadata()])
                    .status == .unprocessableContent)
            #expect(try await client.get("/cart/\(cart)/length")["length"] == 0)
            let unknown = try await client.get("/no/such/route/here")
            #expect(unknown.status == .notFound && unknown["ok"] == false)
        }
    }

    @Test("a write past the stream-length limit is 422 and writes nothing", arguments: StoreKind.all)
    func streamLengthLimit(_ store: StoreKind) async throws {
        try await TestServer(store, maximumStreamLength: 2).test { client in
            let cart = Fixture.id()
            #expect(
                try await client.post("/cart/\(cart)/was_opened", Fixture.event(["customer_id": "c"])).status
                    == .created)
            #expect(
                try await client.post("/cart/\(cart)/item_was_added", Fixture.event(Fixture.item)).status == .created)
            let refused = try await client.post("/cart/\(cart)/item_was_added", Fixture.event(Fixture.item))
            #expect(refused.status == .unprocessableContent)
            #expect(refused["limit"] == 2)
            #expect(refused["error"]?.string?.contains("limit of 2") == true, "\(refused.text)")
            #expect(try await client.get("/cart/\(cart)/length")["length"] == 2)
        }
    }

    @Test("a body over the limit is 413", arguments: StoreKind.all)
    func bodyLimit(_ store: StoreKind) async throws {
        var configuration = TestServer.configuration
        configuration.maximumBodySize = 2_048
        try await TestServer(store, configuration: configuration).test { client in
            let big = Fixture.event(["customer_id": .string(String(repeating: "x", count: 4_096))])
            let answer = try await client.post("/cart/\(Fixture.id())/was_opened", big)
            #expect(answer.status == .contentTooLarge)
            #expect(answer["ok"] == false)
        }
    }

    @Test("implications are written atomically with the event that implies them", arguments: StoreKind.all)
    func implications(_ store: StoreKind) async throws {
        try await TestServer(store).test { client in
            let cart = Fixture.id()
            let order = Fixture.id()
            try await client.post("/cart/\(cart)/was_opened", Fixture.event(["customer_id": "c"]))
            try await client.post("/cart/\(cart)/item_was_added", Fixture.event(Fixture.item))
            let checkout = try await client.post(
                "/cart/\(cart)/was_checked_out", Fixture.event(["order_id": .string(order)]))
            #expect(checkout.status == .created)
            #expect(checkout["implied_count"] == 1)
            let placed = try await client.get("/order/\(order)")
            #expect(placed.status == .ok)
            #expect(placed["data"]?["total"] == 3)
            // Checking out again would imply a second was_placed, which the order's requires refuses: nothing is written.
            let cart2 = Fixture.id()
            try await client.post("/cart/\(cart2)/was_opened", Fixture.event(["customer_id": "c"]))
            try await client.post("/cart/\(cart2)/item_was_added", Fixture.event(Fixture.item))
            let refused = try await client.post(
                "/cart/\(cart2)/was_checked_out", Fixture.event(["order_id": .string(order)]))
            #expect(refused.status.code >= 400 && refused.status.code < 500)
            #expect(try await client.get("/cart/\(cart2)/length")["length"] == 2)
            #expect(try await client.get("/order/\(order)/length")["length"] == 1)
        }
    }
}
