import Evident
import EvidentServer
import EvidentSpec
import EvidentTesting
import Foundation
import HTTPTypes
import Hummingbird
import Testing

/// Spec evolution over HTTP: refusals with what an upload would break, force, dry runs, j17's upload body,
/// the versions kept, and rollbacks.
@Suite("HTTP API: spec versions and evolution")
struct SpecVersionsTests {
    /// The shop spec body with `change` made to the event `event` of the aggregate type `type` (nil: removed).
    static func shop(
        _ base: JSON = TestServer.shopSpec.document, changing type: String, _ event: String,
        _ change: (inout [String: JSON]?) -> Void
    ) -> JSON {
        base.changingEvent(event, of: type, change)
    }

    /// Two carts, one with an item.
    static func fill(_ client: Client) async throws -> [String] {
        let carts = [Fixture.id(), Fixture.id()]
        for cart in carts { try await client.post("/cart/\(cart)/was_opened", Fixture.event(["customer_id": "c"])) }
        try await client.post("/cart/\(carts[0])/item_was_added", Fixture.event(Fixture.item))
        return carts
    }

    @Test("each refusal kind is 409 with the event types and counts; nothing is stored", arguments: StoreKind.all)
    func refusals(_ store: StoreKind) async throws {
        try await TestServer(store).test { client in
            _ = try await Self.fill(client)
            let head = try await client.get("/_health")["head_position"]

            let removed = Self.shop(changing: "cart", "was_opened") { $0 = nil }
            let failing = Self.shop(changing: "cart", "item_was_added") {
                $0?["handler"] = [["append": ["target": "total", "value": "$.data.sku"]]]
            }
            let narrowed = Self.shop(changing: "cart", "was_opened") {
                $0?["schema"] = ["type": "object", "required": ["customer_id", "channel"]]
            }
            for (document, kind, event, count) in [
                (removed, "removed_event_type", "was_opened", 2), (failing, "fails_to_fold", "item_was_added", 1),
                (narrowed, "narrowed_schema", "was_opened", 2),
            ] {
                let answer = try await client.request(.put, "/_spec", json: document)
                #expect(answer.status == .conflict, "\(answer.text)")
                #expect(answer["ok"] == false && answer["code"] == "specRefused")
                #expect(answer["error"]?.string?.contains("force") == true)
                let problems = try #require(answer["problems"]?.array)
                #expect(problems.count == 1, "\(answer.text)")
                #expect(problems.first?["kind"] == .string(kind) && problems.first?["aggregate_type"] == "cart")
                #expect(problems.first?["event_type"] == .string(event) && problems.first?["events"] == .int(count))

                // A dry run reports the same list, with 200, and stores nothing either.
                let dryRun = try await client.request(.put, "/_spec?dry_run=true", json: document)
                #expect(dryRun.status == .ok && dryRun["problems"] == answer["problems"], "\(dryRun.text)")
            }
            #expect(try await client.get("/_health")["head_position"] == head, "refusals store nothing")
            #expect(try await client.get("/_spec")["version"] == 1)

            // ?force=true stores it anyway; the removed event is then left out of folds and reported.
            let forced = try await client.request(.put, "/_spec?force=true", json: removed)
            #expect(forced.status == .ok && forced["version"] == 2 && forced.position != nil, "\(forced.text)")
        }
    }

    @Test("PUT /_spec takes j17's {environment, spec, force}; bad options are 4xx", arguments: StoreKind.all)
    func j17Body(_ store: StoreKind) async throws {
        try await TestServer(store).test { client in
            _ = try await Self.fill(client)
            let removed = Self.shop(changing: "cart", "was_opened") { $0 = nil }
            let unforced = try await client.request(
                .put, "/_spec", json: ["environment": "production", "spec": removed])
            #expect(unforced.status == .conflict)
            let forced = try await client.request(
                .put, "/_spec", json: ["environment": "production", "spec": removed, "force": true])
            #expect(forced.status == .ok && forced["version"] == 2, "\(forced.text)")
            #expect(forced["environment"] == "production")
            // The wrapper alone is the spec too, as before.
            let added = Self.shop(removed, changing: "order", "was_noted") { $0 = ["schema": [:], "handler": []] }
            #expect(try await client.request(.put, "/_spec", json: ["spec": added])["version"] == 3)

            let badForce = try await client.request(.put, "/_spec", json: ["spec": added, "force": "yes"])
            #expect(badForce.status == .unprocessableContent && badForce["error"]?.string?.contains("force") == true)
            let badEnvironment = try await client.request(.put, "/_spec", json: ["spec": added, "environment": 1])
            #expect(badEnvironment.status == .unprocessableContent)
            let badQuery = try await client.request(.put, "/_spec?force=maybe", json: added)
            #expect(badQuery.status == .badRequest)
            // Another key beside "spec" is the spec's problem, as it always was.
            let extra = try await client.request(.put, "/_spec", json: ["spec": added, "colour": "blue"])
            #expect(extra.status == .unprocessableContent && extra["problems"] != nil)
        }
    }

    @Test("GET /_spec/versions lists every version newest first, in pages; /_spec/versions/{n} reads one")
    func versions() async throws {
        try await TestServer().test { client in
            var document = TestServer.shopSpec.document
            for event in ["was_noted", "was_flagged"] {
                document = Self.shop(document, changing: "order", event) { $0 = ["schema": [:], "handler": []] }
                #expect(try await client.request(.put, "/_spec", json: document).status == .ok)
            }
            let all = try await client.get("/_spec/versions")
            #expect(all.status == .ok)
            let versions = try #require(all["versions"]?.array)
            #expect(versions.map { $0["version"] } == [3, 2, 1] && all["next"] == nil)
            let inForce = try await client.get("/_spec")
            #expect(versions.first?["hash"] == inForce["hash"])
            #expect(versions.allSatisfy { $0["stored_at"]?.number != nil && $0["position"]?.number != nil })

            let page = try await client.get("/_spec/versions?limit=2")
            #expect(page["versions"]?.array?.map { $0["version"] } == [3, 2] && page["next"] == 2)
            let rest = try await client.get("/_spec/versions?limit=2&before=2")
            #expect(rest["versions"]?.array?.map { $0["version"] } == [1] && rest["next"] == nil)

            let first = try await client.get("/_spec/versions/1")
            #expect(first.status == .ok && first["version"] == 1)
            #expect(first["spec"] == TestServer.shopSpec.document && first["hash"] == versions.last?["hash"])
            let unknown = try await client.get("/_spec/versions/9")
            #expect(unknown.status == .notFound && unknown["error"]?.string?.contains("1 to 3") == true)
            #expect(try await client.get("/_spec/versions/two").status == .badRequest)
            #expect(try await client.get("/_spec/versions/0").status == .badRequest)
            #expect(try await client.get("/_spec/versions?limit=0").status == .badRequest)
        }
    }

    @Test("POST /_spec/rollback stores version n again as a new version; folds use it", arguments: StoreKind.all)
    func rollback(_ store: StoreKind) async throws {
        try await TestServer(store).test { client in
            let carts = try await Self.fill(client)
            // Version 2 opens carts as "new" rather than "open".
            let v2 = Self.shop(changing: "cart", "was_opened") {
                $0?["handler"] = ["merge": ["target": "", "value": ["status": "new", "lines": [], "total": 0]]]
            }
            #expect(try await client.request(.put, "/_spec", json: v2)["version"] == 2)
            #expect(try await client.get("/cart/\(carts[1])")["data"]?["status"] == "new")

            let back = try await client.post("/_spec/rollback", ["version": 1])
            #expect(back.status == .ok && back["version"] == 3 && back["rolled_back_to"] == 1, "\(back.text)")
            #expect(back.position != nil)
            let first = try await client.get("/_spec/versions/1")
            #expect(back["hash"] == first["hash"])
            #expect(try await client.get("/cart/\(carts[1])")["data"]?["status"] == "open")
            #expect(try await client.get("/_spec")["version"] == 3)

            #expect(try await client.post("/_spec/rollback", ["version": 7]).status == .notFound)
            #expect(try await client.post("/_spec/rollback", ["version": "1"]).status == .unprocessableContent)
            #expect(try await client.post("/_spec/rollback", [:]).status == .unprocessableContent)
            #expect(try await client.post("/_spec/rollback", ["version": 1, "to": 2]).status == .unprocessableContent)
        }
    }

    @Test("a rollback that would break stored events is refused like an upload, unless forced")
    func refusedRollback() async throws {
        try await TestServer().test { client in
            let noted = Self.shop(changing: "order", "was_noted") { $0 = ["schema": [:], "handler": []] }
            #expect(try await client.request(.put, "/_spec", json: noted)["version"] == 2)
            try await client.post("/order/\(Fixture.id())/was_noted", Fixture.event([:]))

            let refused = try await client.post("/_spec/rollback", ["version": 1])
            #expect(refused.status == .conflict, "\(refused.text)")
            #expect(refused["problems"]?.array?.first?["kind"] == "removed_event_type")
            let dryRun = try await client.post("/_spec/rollback?dry_run=true", ["version": 1])
            #expect(dryRun.status == .ok && dryRun["problems"] == refused["problems"] && dryRun["version"] == nil)
            #expect(try await client.get("/_spec")["version"] == 2)
            let forced = try await client.post("/_spec/rollback", ["version": 1, "force": true])
            #expect(forced.status == .ok && forced["version"] == 3)
        }
    }
}
