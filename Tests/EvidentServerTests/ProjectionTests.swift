import Evident
import EvidentServer
import EvidentSpec
import EvidentTesting
import Foundation
import HTTPTypes
import Testing

@Suite("HTTP API: projections")
struct ProjectionTests {
    /// Customers (with a personal name), orders that name a customer, and a `config:global` singleton; one
    /// projection joins them, through a source, a `$lookup`, an include and a `$map`.
    static let spec = try! CompiledSpec(
        parsing: #"""
            {"agent_types": ["customer"],
             "aggregate_types": {
               "customer": {"events": {
                 "was_registered": {
                   "schema": {"type": "object", "properties": {
                     "name": {"type": "string", "x-personal": true, "x-forgotten": "[forgotten]"},
                     "tier": {"type": "string"}}},
                   "handler": {"merge": {"target": "", "value": "$.data"}}},
                 "was_renamed": {
                   "schema": {"type": "object", "properties": {"name": {"type": "string", "x-personal": true,
                     "x-forgotten": "[forgotten]"}}},
                   "handler": {"set": {"target": "name", "value": "$.data.name"}}}}},
               "order": {"events": {
                 "was_placed": {"schema": {"type": "object"},
                   "handler": {"set": {"target": "", "value": {"$merge": ["$.data", {"status": "open"}]}}}},
                 "was_closed": {"schema": {"type": "object"}, "handler": {"set": {"target": "status", "value": "closed"}}}}},
               "config": {"events": {
                 "currency_was_set": {"schema": {"type": "object"},
                   "handler": {"set": {"target": "currency", "value": "$.data.currency"}}}}}},
             "projections": {
               "order_views": {
                 "for_each": "order",
                 "sources": {"buyer": {"type": "customer", "id": "@.customer_id"}},
                 "include": ["config:global"],
                 "select": {
                   "status": "@.status", "total": "@.total", "customer_name": "$buyer.name",
                   "tier": {"$lookup": "customer", "where": {"id": "@.customer_id"}, "select": "$customer.tier"},
                   "currency": "$config.currency",
                   "skus": {"$map": "@.lines", "as": "$line", "to": "$line.sku"}}}}}
            """#)

    @Test(
        "rows join orders with customers and a global singleton, change when either changes, page and filter",
        arguments: StoreKind.all)
    func joinsAndFollows(_ store: StoreKind) async throws {
        try await TestServer(store, spec: Self.spec).test { client in
            let (ada, bob) = (Fixture.id(), Fixture.id())
            try await client.post("/customer/\(ada)/was_registered", Fixture.event(["name": "Ada", "tier": "gold"]))
            try await client.post("/config/global/currency_was_set", Fixture.event(["currency": "EUR"]))
            let orders = (0..<5).map { _ in Fixture.id() }
            for (index, order) in orders.enumerated() {
                let placed = try await client.post(
                    "/order/\(order)/was_placed",
                    Fixture.event([
                        "customer_id": .string(index < 3 ? ada : bob), "total": .int(index * 50),
                        "lines": [["sku": .string("sku-\(index)")]],
                    ]))
                #expect(placed.status == .created)
            }
            let first = try await client.get("/_projections/order_views/\(orders[0])")
            #expect(first.status == .ok && first["ok"] == true && first["id"] == .string(orders[0]))
            #expect(
                first["data"]
                    == [
                        "status": "open", "total": 0, "customer_name": "Ada", "tier": "gold", "currency": "EUR",
                        "skus": ["sku-0"],
                    ])
            // Bob has no events yet: his orders read null from him.
            let bobs = try await client.get("/_projections/order_views/\(orders[4])")
            #expect(bobs["data"]?["customer_name"] == .null && bobs["data"]?["tier"] == .null)

            // A change of a source, of the singleton and of the row's own aggregate, each seen by the next read.
            try await client.post("/customer/\(ada)/was_renamed", Fixture.event(["name": "Ada L."]))
            try await client.post("/customer/\(bob)/was_registered", Fixture.event(["name": "Bob", "tier": "new"]))
            try await client.post("/config/global/currency_was_set", Fixture.event(["currency": "USD"]))
            let closed = try await client.post("/order/\(orders[1])/was_closed", Fixture.event([:]))
            let renamed = try await client.get("/_projections/order_views/\(orders[0])")
            #expect(renamed["data"]?["customer_name"] == "Ada L." && renamed["data"]?["currency"] == "USD")
            let now = try await client.get("/_projections/order_views/\(orders[4])")
            #expect(now["data"]?["customer_name"] == "Bob" && now["data"]?["tier"] == "new")
            let token = try #require(closed.position)
            let afterClose = try await client.get("/_projections/order_views/\(orders[1])?after=\(token)")
            #expect(afterClose["data"]?["status"] == "closed")

            // Paging in id order.
            let sorted = orders.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
            var seen: [String] = []
            var next: String? = nil
            repeat {
                let page = try await client.get(
                    "/_projections/order_views?limit=2" + (next.map { "&after=\($0)" } ?? ""))
                #expect(page.status == .ok)
                let rows = try #require(page["rows"]?.array)
                #expect(rows.count <= 2)
                seen += rows.compactMap { $0["id"]?.string }
                next = page["next"]?.string
            } while next != nil
            #expect(seen == sorted)

            // Filters: equality by default, comparisons, several at once.
            func ids(_ query: String) async throws -> Set<String> {
                let answer = try await client.get("/_projections/order_views?\(query)")
                #expect(answer.status == .ok, "\(query): \(answer.text)")
                return Set(answer["rows"]?.array?.compactMap { $0["id"]?.string } ?? [])
            }
            #expect(try await ids("where.status=closed") == [orders[1]])
            #expect(try await ids("where.total.gt=100") == [orders[3], orders[4]])
            #expect(try await ids("where.total.lte=50&where.status.ne=closed") == [orders[0]])
            #expect(try await ids("where.customer_name=Bob") == [orders[3], orders[4]])
            #expect(try await ids("where.tier=gold&limit=1").count == 1)
        }
    }

    @Test("404 for a missing row and an unknown projection; 400 for a bad limit or filter", arguments: StoreKind.all)
    func badReads(_ store: StoreKind) async throws {
        try await TestServer(store, spec: Self.spec).test { client in
            let missing = try await client.get("/_projections/order_views/\(Fixture.id())")
            #expect(missing.status == .notFound && missing["ok"] == false)
            #expect(try await client.get("/_projections/ghost/\(Fixture.id())").status == .notFound)
            #expect(try await client.get("/_projections/ghost").status == .notFound)
            for query in ["limit=0", "limit=1001", "limit=ten", "where.=1", "where.total..gt=1", "status=open"] {
                let answer = try await client.get("/_projections/order_views?\(query)")
                #expect(answer.status == .badRequest && answer["ok"] == false, "\(query): \(answer.status)")
            }
        }
    }

    @Test(
        "PUT /_projections deploys a checked definition for every node; DELETE removes it; the spec's own are kept",
        arguments: StoreKind.all)
    func deployAndDelete(_ store: StoreKind) async throws {
        try await TestServer(store, spec: Self.spec).test { client in
            let ada = Fixture.id()
            try await client.post("/customer/\(ada)/was_registered", Fixture.event(["name": "Ada", "tier": "gold"]))
            let definition: JSON = ["for_each": "customer", "select": ["name": "@.name", "id": "$id"]]
            let put = try await client.request(.put, "/_projections/customer_names", json: definition)
            #expect(put.status == .ok && put.position != nil, "\(put.text)")
            let row = try await client.get("/_projections/customer_names/\(ada)")
            #expect(row["data"] == ["name": "Ada", "id": .string(ada)])
            let listed = try await client.get("/_projections")
            #expect(
                listed["projections"]?.array?.map { [$0["name"], $0["origin"]] }
                    == [["order_views", "spec"], ["customer_names", "deployed"]])

            let invalid = try await client.request(
                .put, "/_projections/bad_one", json: ["for_each": "ghost", "select": ["a": "$.data.a"]])
            #expect(invalid.status == .unprocessableContent)
            #expect(invalid["problems"]?.array?.compactMap { $0["path"]?.string } == ["for_each", "select.a"])
            #expect(try await client.get("/_projections/bad_one").status == .notFound)
            let badName = try await client.request(.put, "/_projections/Bad", json: definition)
            #expect(badName.status == .unprocessableContent)
            #expect(try await client.request(.put, "/_projections/order_views", json: definition).status == .conflict)
            #expect(try await client.request(.delete, "/_projections/order_views").status == .conflict)

            let deleted = try await client.request(.delete, "/_projections/customer_names")
            #expect(deleted.status == .ok && deleted["deleted"] == true)
            #expect(try await client.get("/_projections/customer_names/\(ada)").status == .notFound)
            #expect(try await client.request(.delete, "/_projections/customer_names").status == .notFound)
        }
    }

    @Test(
        "forgetting a customer recomputes the rows that read them: no forgotten value stays", arguments: StoreKind.all)
    func forgetting(_ store: StoreKind) async throws {
        try await TestServer(store, spec: Self.spec).test { client in
            let (ada, order) = (Fixture.id(), Fixture.id())
            try await client.post("/customer/\(ada)/was_registered", Fixture.event(["name": "Ada", "tier": "gold"]))
            try await client.post("/order/\(order)/was_placed", Fixture.event(["customer_id": .string(ada)]))
            #expect(try await client.get("/_projections/order_views/\(order)")["data"]?["customer_name"] == "Ada")
            let forgotten = try await client.request(.delete, "/_subjects/customer:\(ada)")
            #expect(forgotten.status == .ok, "\(forgotten.text)")
            let row = try await client.get("/_projections/order_views/\(order)")
            #expect(row["data"]?["customer_name"] == "[forgotten]" && row["data"]?["tier"] == "gold")
            #expect(!row.text.contains("Ada"))
        }
    }

    @Test(
        "differential: after random writes, every row equals the projection computed from scratch from the states",
        arguments: StoreKind.all)
    func differential(_ store: StoreKind) async throws {
        try await TestServer(store, spec: Self.spec).test { client in
            var random = SeededGenerator(seed: 12)
            let customers = (0..<6).map { _ in Fixture.id() }
            let orders = (0..<12).map { _ in Fixture.id() }
            var placed: [String] = []
            for step in 0..<120 {
                switch Int.random(in: 0..<5, using: &random) {
                case 0:
                    let customer = customers.randomElement(using: &random)!
                    try await client.post(
                        "/customer/\(customer)/was_registered",
                        Fixture.event([
                            "name": .string("n\(step)"),
                            "tier": .string(["gold", "new"].randomElement(using: &random)!),
                        ]))
                case 1:
                    try await client.post(
                        "/customer/\(customers.randomElement(using: &random)!)/was_renamed",
                        Fixture.event(["name": .string("r\(step)")]))
                case 2:
                    let order = orders.randomElement(using: &random)!
                    if !placed.contains(order) { placed.append(order) }
                    try await client.post(
                        "/order/\(order)/was_placed",
                        Fixture.event([
                            "customer_id": .string(customers.randomElement(using: &random)!),
                            "total": .int(Int.random(in: 0...300, using: &random)),
                            "lines": .array(
                                (0..<Int.random(in: 0...2, using: &random)).map { ["sku": .string("s\($0)")] }),
                        ]))
                case 3:
                    if let order = placed.randomElement(using: &random) {
                        try await client.post("/order/\(order)/was_closed", Fixture.event([:]))
                    }
                default:
                    try await client.post(
                        "/config/global/currency_was_set", Fixture.event(["currency": .string("C\(step % 3)")]))
                }
                // Reads in between, so the view follows the writes rather than being built once at the end.
                if step % 7 == 0 { _ = try await client.get("/_projections/order_views?limit=1") }
            }
            let listed = try await client.get("/_projections/order_views?limit=1000")
            let rows = try #require(listed["rows"]?.array)
            #expect(
                rows.compactMap { $0["id"]?.string } == placed.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) })
            let config = try await client.get("/config/global")["data"] ?? .null
            for row in rows {
                let id = try #require(row["id"]?.string)
                let order = try #require(try await client.get("/order/\(id)")["data"])
                let customerID = try #require(order["customer_id"]?.string)
                let customerAnswer = try await client.get("/customer/\(customerID)")
                let customer = customerAnswer.status == .ok ? customerAnswer["data"] : nil
                let expected: JSON = [
                    "status": order["status"] ?? .null, "total": order["total"] ?? .null,
                    "customer_name": customer?["name"] ?? .null, "tier": customer?["tier"] ?? .null,
                    "currency": config["currency"] ?? .null,
                    "skus": .array((order["lines"]?.array ?? []).map { $0["sku"] ?? .null }),
                ]
                #expect(row["data"] == expected, "row \(id)")
            }
        }
    }
}
