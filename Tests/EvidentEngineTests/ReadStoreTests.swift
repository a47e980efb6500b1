import Evident
import EvidentEngine
import EvidentSpec
import EvidentTesting
import Testing

/// The engine with a read store apart from its primary store: consistency tokens, and which store each
/// request uses.
@Suite("SpecEngine: read store and consistency tokens")
struct ReadStoreTests {
    static let item: JSON = ["sku": "apple", "quantity": 2, "unit_price": 1.5]

    /// An engine running the shop spec on an in-memory primary store, reading from a lagging copy of it that
    /// shows nothing yet.
    static func laggingEngine() async throws -> (SpecEngine, LaggingStore) {
        let primary = InMemoryEventStore()
        let replica = LaggingStore(primary: primary)
        let engine = SpecEngine(store: primary, readStore: replica)
        try await engine.putSpec(SpecEngineTests.shop)
        return (engine, replica)
    }

    @Test(
        "on a single store, the position a write returns is visible at once", arguments: SpecEngineTests.Store.allCases)
    func singleStore(_ kind: SpecEngineTests.Store) async throws {
        let (store, directory) = try SpecEngineTests().open(kind)
        defer { _ = directory }
        let engine = SpecEngine(store: store)
        try await engine.putSpec(SpecEngineTests.shop)
        let written = try await engine.write(
            SpecEngineTests.write("cart", SpecEngineTests.id(), "was_opened", ["customer_id": "c1"]))
        #expect(try await engine.waitUntilVisible(written.result.lastPosition, timeout: .zero))
        #expect(try await !engine.waitUntilVisible(written.result.lastPosition + 1, timeout: .zero))
    }

    @Test("writes, the spec and the keys use the primary store; reads show what the read store shows")
    func storesByRequest() async throws {
        let (engine, replica) = try await Self.laggingEngine()
        let cart = SpecEngineTests.id()
        try await engine.write(SpecEngineTests.write("cart", cart, "was_opened", ["customer_id": "c1"]))
        // Decided on the read store's empty stream, this write would conflict.
        let added = try await engine.write(SpecEngineTests.write("cart", cart, "item_was_added", Self.item))
        #expect(added.result.streamLength == 2)
        #expect(try await engine.currentSpec(refresh: true).version == 1)
        let (_, key, _) = try await engine.keys.create(scope: .read)
        #expect(try await engine.keys.scope(of: key) == .read)

        #expect(try await engine.length(of: "cart", cart) == 0)
        #expect(try await engine.events(of: "cart", cart, limit: 10).isEmpty)
        #expect(try await !engine.waitUntilVisible(added.result.lastPosition, timeout: .zero))
        try await replica.releaseAll()
        #expect(try await engine.waitUntilVisible(added.result.lastPosition, timeout: .zero))
        #expect(try await engine.length(of: "cart", cart) == 2)
        #expect(try await engine.events(of: "cart", cart, limit: 10).map(\.version) == [1, 2])
        #expect(try await engine.state(of: "cart", cart).length == 2)
    }

    @Test("a read waiting for a token resumes when the read store reaches it; the state cache does not hide the write")
    func waitingForAToken() async throws {
        let (engine, replica) = try await Self.laggingEngine()
        let cart = SpecEngineTests.id()
        try await engine.write(SpecEngineTests.write("cart", cart, "was_opened", ["customer_id": "c1"]))
        try await replica.releaseAll()
        #expect(try await engine.state(of: "cart", cart).length == 1)  // now cached
        let added = try await engine.write(SpecEngineTests.write("cart", cart, "item_was_added", Self.item))
        let token = added.result.lastPosition
        #expect(try await engine.state(of: "cart", cart).length == 1)  // the read store lags

        var waits = replica.waits.makeAsyncIterator()
        async let visible = engine.waitUntilVisible(token, timeout: .seconds(30))
        _ = await waits.next()  // it waits for the read store
        try await replica.releaseAll()
        #expect(try await visible)
        let state = try await engine.state(of: "cart", cart)
        #expect(state.length == 2 && state.data["total"] == 3)
    }
}
