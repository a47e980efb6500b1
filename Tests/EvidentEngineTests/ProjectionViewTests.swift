import Evident
import EvidentEngine
import EvidentSQLite
import EvidentSpec
import EvidentTesting
import Foundation
import Testing

/// Projections across processes: engines on separate connections to one SQLite file, as nodes or a restart
/// see the store.
@Suite("SpecEngine: projections across nodes")
struct ProjectionViewTests {
    /// The shop spec with a projection `cart_totals` whose select is `select`.
    static func shop(select: JSON) -> JSON {
        SpecEngineTests.shop { $0["projections"] = ["cart_totals": ["for_each": "cart", "select": select]] }
    }

    /// An engine on its own connection to `path`, that looks for a spec stored elsewhere at every read.
    static func node(_ path: String) throws -> SpecEngine {
        var configuration = EngineConfiguration()
        configuration.specRefreshInterval = .zero
        return SpecEngine(store: try SQLiteEventStore(path: path), configuration: configuration)
    }

    @Test("deployments, writes and spec changes made on one node are seen by another and after a restart")
    func acrossNodes() async throws {
        let directory = try TemporaryDirectory(prefix: "evident-projection-views")
        let path = directory.file("evident.sqlite")
        let (a, b) = (try Self.node(path), try Self.node(path))
        try await a.putSpec(Self.shop(select: ["total": "@.total", "status": "@.status"]))
        let cart = SpecEngineTests.id()
        try await a.write(SpecEngineTests.write("cart", cart, "was_opened", ["customer_id": "c"]))
        #expect(try await b.projectionRow("cart_totals", cart).data == ["total": 0, "status": "open"])

        try await a.deployProjection(
            "open_carts", ["for_each": "cart", "select": ["id": "$id", "status": "@.status"]])
        #expect(try await b.projectionRow("open_carts", cart).data == ["id": .string(cart), "status": "open"])
        try await a.write(
            SpecEngineTests.write("cart", cart, "item_was_added", ["sku": "tea", "quantity": 2, "unit_price": 3]))
        #expect(try await b.projectionRow("cart_totals", cart).data == ["total": 6, "status": "open"])

        // A new spec rebuilds the spec's projections on every node.
        try await a.putSpec(Self.shop(select: ["doubled": ["$multiply": ["@.total", 2]]]))
        #expect(try await b.projectionRow("cart_totals", cart).data == ["doubled": 12])

        // A restart: a new engine builds the rows again from the log, the deployed definitions included.
        let c = try Self.node(path)
        #expect(try await c.projections().map(\.name) == ["cart_totals", "open_carts"])
        #expect(try await c.projectionRow("open_carts", cart).data["status"] == "open")

        try await a.deleteProjection("open_carts")
        await #expect(throws: EngineError.self) { try await c.projectionRow("open_carts", cart) }
        let rows = try await c.projectionRows("cart_totals", after: nil, limit: 10)
        #expect(rows.rows.map(\.id) == [cart] && !rows.more)
    }

    @Test("substreams have rows only with include_substreams")
    func substreams() async throws {
        let store = InMemoryEventStore()
        let engine = SpecEngine(store: store)
        try await engine.putSpec(
            SpecEngineTests.shop {
                $0["projections"] = [
                    "plain": ["for_each": "cart", "select": "@.status"],
                    "tagged": ["for_each": "cart", "include_substreams": true, "select": "@.status"],
                ]
            })
        let cart = SpecEngineTests.id()
        try await engine.write(SpecEngineTests.write("cart", cart, "was_opened", ["customer_id": "c"]))
        try await engine.write(SpecEngineTests.write("cart", "\(cart):2026", "was_opened", ["customer_id": "c"]))
        #expect(try await engine.projectionRows("plain", after: nil, limit: 10).rows.map(\.id) == [cart])
        #expect(
            try await engine.projectionRows("tagged", after: nil, limit: 10).rows.map(\.id) == [cart, "\(cart):2026"])
    }

    @Test("a build stopped by a request's deadline goes on at the next read")
    func buildPastDeadline() async throws {
        let engine = SpecEngine(store: InMemoryEventStore())
        try await engine.putSpec(
            SpecEngineTests.shop { $0["projections"] = ["carts": ["for_each": "cart", "select": "@.status"]] })
        let carts = (0..<3).map { _ in SpecEngineTests.id() }
        for cart in carts {
            try await engine.write(SpecEngineTests.write("cart", cart, "was_opened", ["customer_id": "c"]))
        }
        await #expect(throws: SpecError.self) {
            try await SpecLimits.$deadline.withValue(.now) {
                try await engine.projectionRows("carts", after: nil, limit: 10)
            }
        }
        let rows = try await engine.projectionRows("carts", after: nil, limit: 10).rows
        #expect(rows.map(\.id) == carts.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) })
        #expect(rows.allSatisfy { $0.data == "open" })
    }
}
