import Evident
import EvidentServer
import EvidentSpec
import Foundation
import HTTPTypes
import Hummingbird
import Testing

@Suite("HTTP API: administration")
struct AdministrationTests {
    @Test(
        "GET and PUT /_spec: versions, every problem listed, dry run, and stored events that no longer fold",
        arguments: StoreKind.all)
    func specLifecycle(_ store: StoreKind) async throws {
        try await TestServer(store).test { client in
            let current = try await client.get("/_spec")
            #expect(current["version"] == 1)
            #expect(current["spec"]?["aggregate_types"]?["cart"] != nil)
            let cart = Fixture.id()
            try await client.post("/cart/\(cart)/was_opened", Fixture.event(["customer_id": "c"]))
            try await client.post("/cart/\(cart)/item_was_added", Fixture.event(Fixture.item))

            let invalid: JSON = [
                "aggregate_types": ["Bad Name": ["events": [:]]], "agent_types": "everyone", "extra": 1,
            ]
            let refused = try await client.request(.put, "/_spec", json: invalid)
            #expect(refused.status == .unprocessableContent)
            #expect((refused["problems"]?.array?.count ?? 0) >= 3)

            // A spec whose handler for item_was_added now appends to a number: it fails on stored events.
            var document = TestServer.shopSpec.document
            var types = document["aggregate_types"]!.object!
            var cartType = types["cart"]!.object!
            var events = cartType["events"]!.object!
            var added = events["item_was_added"]!.object!
            added["handler"] = [["append": ["target": "total", "value": "$.data.sku"]]]
            events["item_was_added"] = .object(added)
            cartType["events"] = .object(events)
            types["cart"] = .object(cartType)
            document = .object(document.object!.merging(["aggregate_types": .object(types)]) { $1 })

            let dryRun = try await client.request(.put, "/_spec?dry_run=true", json: document)
            #expect(dryRun.status == .ok)
            #expect(dryRun["failures"]?.array?.count == 1)
            #expect(dryRun["failures"]?.array?.first?["version"] == 2)
            #expect(try await client.get("/_spec")["version"] == 1, "a dry run does not switch")

            // Storing it is refused (409, what it would break), unless forced.
            let refusedChange = try await client.request(.put, "/_spec", json: document)
            #expect(refusedChange.status == .conflict)
            #expect(refusedChange["problems"]?.array?.first?["kind"] == "fails_to_fold")
            let stored = try await client.request(.put, "/_spec?force=true", json: document)
            #expect(stored["version"] == 2)
            let state = try await client.get("/cart/\(cart)")
            #expect(state.status == .ok)
            #expect(state["metadata"]?["errors"]?.array?.first?["version"] == 2)
            #expect(state["data"]?["status"] == "open")
        }
    }

    @Test("health, metrics and the OpenAPI document", arguments: StoreKind.all)
    func operations(_ store: StoreKind) async throws {
        try await TestServer(store).test { client in
            #expect(try await client.get("/_health")["ok"] == true)
            try await client.post("/cart/\(Fixture.id())/was_opened", Fixture.event(["customer_id": "c"]))
            let metrics = try await client.get("/_metrics")
            #expect(
                metrics.text.contains("evident_http_requests_total{route=\"/{type}/{id}/{event}\",status=\"201\"} 1"))
            #expect(metrics.text.contains("evident_events_appended_total"))
            #expect(metrics.text.contains("evident_append_duration_seconds_bucket"))
            #expect(metrics.text.contains("evident_state_cache_total"))
            let openAPI = try await client.get("/_openapi.json")
            #expect(openAPI["openapi"] == "3.1.0")
        }
    }

    @Test("the OpenAPI document names exactly the router's routes", arguments: StoreKind.all)
    func openAPIMatchesRoutes(_ store: StoreKind) async throws {
        let server = try await TestServer(store)
        let routes = Set(
            server.server.makeRouter().routes.map { route in
                let path = route.path.description.split(separator: "/").map { segment in
                    segment.hasPrefix(":") ? "{\(segment.dropFirst())}" : String(segment)
                }
                return "\(route.method.rawValue.lowercased()) /\(path.joined(separator: "/"))"
            })
        try await server.test { client in
            let answer = try await client.get("/_openapi.json")
            var documented = Set<String>()
            for (path, operations) in answer["paths"]?.object ?? [:] {
                for method in operations.object?.keys ?? [:].keys { documented.insert("\(method) \(path)") }
            }
            #expect(documented == routes)
        }
    }

    @Test("API keys: open without keys; 401 without a key, 403 with too small a scope", arguments: StoreKind.all)
    func authentication(_ store: StoreKind) async throws {
        try await TestServer(store).test { client in
            let admin = try await client.post("/_keys", ["scope": "admin"])
            #expect(admin.status == .created)
            let adminKey = try #require(admin["key"]?.string)
            #expect(try await client.get("/_spec").status == .unauthorized)
            #expect(try await client.get("/_health").status == .ok)
            func bearer(_ key: String) -> HTTPFields { [.authorization: "Bearer \(key)"] }
            #expect(try await client.get("/_spec", headers: bearer("evk_nope_nope")).status == .unauthorized)
            let read = try await client.post("/_keys", ["scope": "read"], headers: bearer(adminKey))
            let write = try await client.post("/_keys", ["scope": "write"], headers: bearer(adminKey))
            let readKey = try #require(read["key"]?.string)
            let writeKey = try #require(write["key"]?.string)
            let cart = Fixture.id()
            let open = Fixture.event(["customer_id": "c"])
            #expect(
                try await client.post("/cart/\(cart)/was_opened", open, headers: bearer(readKey)).status == .forbidden)
            #expect(
                try await client.post("/cart/\(cart)/was_opened", open, headers: bearer(writeKey)).status == .created)
            #expect(try await client.get("/cart/\(cart)", headers: bearer(readKey)).status == .ok)
            #expect(
                try await client.request(.put, "/_spec", json: TestServer.shopSpec.document, headers: bearer(writeKey))
                    .status == .forbidden)
            #expect(try await client.post("/_keys", ["scope": "read"], headers: bearer(writeKey)).status == .forbidden)
            let listed = try await client.get("/_keys", headers: bearer(adminKey))
            #expect(listed["keys"]?.array?.count == 3)
            #expect(!listed.text.contains(readKey))
            let readID = try #require(read["id"]?.string)
            #expect(try await client.request(.delete, "/_keys/\(readID)", headers: bearer(adminKey)).status == .ok)
            #expect(try await client.get("/cart/\(cart)", headers: bearer(readKey)).status == .unauthorized)
        }
    }

    @Test("a server that listens beyond loopback needs a key even when none exists", arguments: StoreKind.all)
    func closedWithoutKeys(_ store: StoreKind) async throws {
        try await TestServer(store).test(openWithoutKeys: false) { client in
            let answer = try await client.get("/_spec")
            #expect(answer.status == .unauthorized)
            #expect(answer["error"]?.string?.contains("evident keys create") == true)
            #expect(try await client.get("/_health").status == .ok)
        }
    }

    @Test(
        "without a spec, aggregate routes answer 503 with what to do, and Retry-After as every 503 does",
        arguments: StoreKind.all)
    func noSpec(_ store: StoreKind) async throws {
        try await TestServer(store, spec: nil).test { client in
            let answer = try await client.get("/cart/\(Fixture.id())")
            #expect(answer.status == .serviceUnavailable)
            #expect(answer["error"]?.string?.contains("PUT /_spec") == true)
            #expect(answer.headers[.retryAfter] == "1")
            let write = try await client.post("/cart/\(Fixture.id())/was_opened", Fixture.event([:]))
            #expect(write.status == .serviceUnavailable && write.headers[.retryAfter] == "1")
        }
    }
}
