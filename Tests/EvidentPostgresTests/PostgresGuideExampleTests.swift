import Evident
import EvidentPostgres
import EvidentTesting
import Foundation
import Logging
import PostgresNIO
import Testing

// The code of the PostgreSQL section of docs/library-guide.md: each `// guide: NAME` … `// guide: end` block
// appears there as it is (without its indentation), and the tests below run it.

// guide: projection
/// Per cart, the number of items added, in a table next to the events (in the store's schema).
struct CartItems: PostgresProjection {
    let name = "cart-items"
    let table: String

    init(schema: String) {
        table = "\(schema).cart_items"
    }

    var filter: LogFilter { LogFilter(streamCategories: ["cart"], eventTypes: ["item_was_added"]) }

    func prepare(_ connection: PostgresConnection, logger: Logger) async throws {
        try await connection.query(
            "CREATE TABLE IF NOT EXISTS \(unescaped: table) (cart text PRIMARY KEY, items bigint NOT NULL)",
            logger: logger)
    }

    func apply(_ event: RecordedEvent, in connection: PostgresConnection, logger: Logger) async throws {
        let quantity = Int(event.data["quantity"]?.number ?? 1)
        // Interpolated values are sent as parameters; `unescaped:` splices trusted SQL such as a table name.
        try await connection.query(
            """
            INSERT INTO \(unescaped: table) AS c (cart, items) VALUES (\(event.stream.id), \(quantity))
            ON CONFLICT (cart) DO UPDATE SET items = c.items + excluded.items
            """, logger: logger)
    }

    func reset(_ connection: PostgresConnection, logger: Logger) async throws {
        try await connection.query("DELETE FROM \(unescaped: table)", logger: logger)
    }
}
// guide: end

@Suite("PostgreSQL in the library guide", .enabled(if: PostgresTestServer.isEnabled))
struct PostgresGuideExampleTests {
    /// The items of every cart, read by another store on the schema of `url`.
    func items(_ url: String) async throws -> [String: Int] {
        try await PostgresStores.with { stores in
            let store = try await stores.open(url: url)
            let table = CartItems(schema: store.configuration.schema).table
            return try await store.withConnection { connection in
                var items: [String: Int] = [:]
                let query: PostgresQuery = "SELECT cart, items FROM \(unescaped: table)"
                for try await (cart, count) in try await connection.query(query, logger: Logger(label: "test"))
                    .decode((String, Int).self)
                {
                    items[cart] = count
                }
                return items
            }
        }
    }

    @Test("a catch-up projection, run while carts change, and read after its own write")
    func catchUp() async throws {
        let url = try PostgresTestServer.freshURL()
        // guide: catch-up
        let store = try await PostgresEventStore.connect(try PostgresStoreConfiguration(url: url))
        let items = store.projectionRunner(for: CartItems(schema: store.configuration.schema))

        try await withThrowingTaskGroup(of: Void.self) { group in
            // The projection follows the log, in this process or any other.
            group.addTask { try await items.run() }

            try await store.append(
                [NewEvent(type: "item_was_added", data: ["sku": "apple", "quantity": 3])], to: StreamName("cart:alice"))
            let added = try await store.append(
                [NewEvent(type: "item_was_added", data: ["sku": "pear"])], to: StreamName("cart:alice"))

            // Read your writes: wait until the read model has seen the last append.
            try await items.waitUntil(position: added.lastPosition, timeout: .seconds(120))
            group.cancelAll()
        }
        await store.close()
        // guide: end
        #expect(try await self.items(url) == ["alice": 4])
    }

    @Test("an inline projection is up to date when the append returns, and rebuilds from the log")
    func inline() async throws {
        let url = try PostgresTestServer.freshURL()
        // guide: inline
        var configuration = try PostgresStoreConfiguration(url: url)
        configuration.inlineProjections = [CartItems(schema: configuration.schema)]
        let store = try await PostgresEventStore.connect(configuration)  // creates cart_items

        try await store.append(
            [NewEvent(type: "item_was_added", data: ["sku": "plum", "quantity": 2])], to: StreamName("cart:bob"))
        // cart_items says 2 for bob as soon as the append returns.

        try await store.rebuildInlineProjection(named: "cart-items")
        await store.close()
        // guide: end
        #expect(try await items(url) == ["bob": 2])
    }

    @Test("the library guide shows this code as it is")
    func guideMatchesCode() throws {
        let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let source = try String(contentsOf: URL(fileURLWithPath: #filePath), encoding: .utf8)
        let guide = try String(contentsOf: repository.appendingPathComponent("docs/library-guide.md"), encoding: .utf8)
        for name in ["projection", "catch-up", "inline"] {
            let begin = try #require(source.range(of: "// guide: \(name)\n"))
            let end = try #require(source.range(of: "// guide: end", range: begin.upperBound..<source.endIndex))
            let lines = source[begin.upperBound..<end.lowerBound].split(
                separator: "\n", omittingEmptySubsequences: false
            )
            .dropLast()
            let indentation = lines.first?.prefix { $0 == " " }.count ?? 0
            let snippet = lines.map { $0.dropFirst(min(indentation, $0.prefix { $0 == " " }.count)) }
                .joined(separator: "\n")
            #expect(guide.contains("```swift\n\(snippet)\n```"), "docs/library-guide.md differs from the block \(name)")
        }
    }
}
