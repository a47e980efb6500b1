import Evident
import EvidentEngine
import EvidentSQLite
import EvidentSpec
import EvidentTesting
import Foundation
import Testing

/// The engine without any server: the example shop spec run on each store.
@Suite("SpecEngine")
struct SpecEngineTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static let shop = try! JSON(
        parsing: String(contentsOf: repository.appendingPathComponent("Examples/specs/shop.json"), encoding: .utf8))

    /// The shop spec with `change` made to its `spec` object.
    static func shop(_ change: (inout [String: JSON]) -> Void) -> JSON {
        guard case .object(var root) = shop, case .object(var spec) = root["spec"] else { return shop }
        change(&spec)
        root["spec"] = .object(spec)
        return .object(root)
    }

    enum Store: String, CaseIterable, CustomTestStringConvertible {
        case memory, sqlite
        var testDescription: String { rawValue }
    }

    /// A fresh store of the kind asked for, and what must live as long as it does.
    func open(_ kind: Store) throws -> (any EventStore, TemporaryDirectory?) {
        switch kind {
        case .memory:
            return (InMemoryEventStore(), nil)
        case .sqlite:
            let directory = try TemporaryDirectory(prefix: "evident-engine-tests")
            return (try SQLiteEventStore(path: directory.file("evident.sqlite")), directory)
        }
    }

    static func id() -> String { UUID().uuidString.lowercased() }
    static let customer = EventMetadata(actor: EntityReference(type: "customer", id: id()))

    static func write(
        _ type: String, _ id: String, _ event: String, _ data: JSON, key: String? = nil,
        concurrency: WriteRequest.Concurrency = .automatic
    ) -> WriteRequest {
        WriteRequest(
            aggregateType: type, aggregateID: id, events: [.init(type: event, data: data)], metadata: customer,
            concurrency: concurrency, idempotencyKey: key)
    }

    @Test("a spec runs with implications and idempotent retries", arguments: Store.allCases)
    func implicationsAndRetries(_ kind: Store) async throws {
        let (store, directory) = try open(kind)
        defer { _ = directory }
        let engine = SpecEngine(store: store)
        let put = try await engine.putSpec(Self.shop)
        #expect(put.version == 1)
        let cart = Self.id()
        let order = Self.id()
        try await engine.write(Self.write("cart", cart, "was_opened", ["customer_id": "c1"]))
        try await engine.write(
            Self.write("cart", cart, "item_was_added", ["sku": "apple", "quantity": 2, "unit_price": 1.5]))

        let checkout = Self.write("cart", cart, "was_checked_out", ["order_id": .string(order)], key: "checkout-1")
        let first = try await engine.write(checkout)
        #expect(first.result.streamLength == 3 && !first.result.isReplay)
        #expect(first.impliedCount == 1 && first.implied.first?.stream.description == "order:\(order)")

        // The retry writes nothing and answers as the first write did.
        let retry = try await engine.write(checkout)
        #expect(retry.result.isReplay && retry.result.streamLength == 3 && retry.impliedCount == 1)
        #expect(try await engine.length(of: "cart", cart) == 3)
        #expect(try await engine.length(of: "order", order) == 1)

        // The same key for another write is refused.
        await #expect(throws: EventStoreError.self) {
            try await engine.write(
                Self.write("cart", cart, "coupon_was_applied", ["code": "x", "percent": 5], key: "checkout-1"))
        }

        let placed = try await engine.state(of: "order", order)
        #expect(placed.data["total"] == 3 && placed.data["cart_id"] == .string(cart) && placed.length == 1)
        let before = try await engine.state(of: "cart", cart, at: .version(1))
        #expect(before.data["status"] == "open" && before.length == 1)
        #expect(try await engine.state(of: "cart", cart).data["status"] == "checked_out")
    }

    @Test("refusals carry codes and write nothing", arguments: Store.allCases)
    func refusals(_ kind: Store) async throws {
        let (store, directory) = try open(kind)
        defer { _ = directory }
        let engine = SpecEngine(store: store)
        let cart = Self.id()
        do {
            try await engine.write(Self.write("cart", cart, "was_opened", ["customer_id": "c1"]))
            Issue.record("a write without a spec succeeded")
        } catch let error as EngineError {
            #expect(error.code == .noSpec)
        }
        try await engine.putSpec(Self.shop)

        func code(of request: WriteRequest) async -> String? {
            do {
                try await engine.write(request)
                return nil
            } catch let error as SpecError {
                return error.code.name
            } catch let error as EngineError {
                return error.code.rawValue
            } catch let error as EventStoreError {
                return "\(error.code)"
            } catch {
                return "\(error)"
            }
        }
        #expect(await code(of: Self.write("nosuch", cart, "was_opened", [:])) == "unknownAggregateType")
        #expect(await code(of: Self.write("cart", cart, "was_opened", ["customer_id": 7])) == "invalidData")
        #expect(
            await code(of: Self.write("cart", cart, "item_was_added", ["sku": "a", "quantity": 1, "unit_price": 1]))
                == "requirementFailed")
        var anonymous = Self.write("cart", cart, "was_opened", ["customer_id": "c1"])
        anonymous.metadata.actor = nil
        #expect(await code(of: anonymous) == "invalidMetadata")
        #expect(
            await code(
                of: Self.write("cart", cart, "was_opened", ["customer_id": "c1"], concurrency: .expectedLength(3)))
                == "wrongExpectedVersion")
        #expect(try await store.headPosition() == 1, "only the spec was written")
        do {
            _ = try await engine.state(of: "cart", cart)
            Issue.record("an aggregate without events has a state")
        } catch let error as EngineError {
            #expect(error.code == .aggregateNotFound)
        }
    }

    @Test("two engines on one store: a spec stored by one is seen by the other, and two writers cannot both win")
    func sharedSpec() async throws {
        let store = InMemoryEventStore()
        var configuration = EngineConfiguration()
        configuration.specRefreshInterval = .zero
        let first = SpecEngine(store: store, configuration: configuration)
        let second = SpecEngine(store: store, configuration: configuration)
        try await first.putSpec(Self.shop)
        #expect(try await second.currentSpec().version == 1)
        // Storing the same document again is no new version.
        #expect(try await second.putSpec(Self.shop).version == 1)

    }

    @Test("a spec stored by another writer after this one read the version in force wins; this one is refused")
    func racingSpecWriters() async throws {
        // Another writer stores a spec just before each spec append of this engine.
        let spec = try StreamName("$spec:current")
        let store = InterruptedStore { appends, base in
            guard appends.first?.stream == spec else { return }
            try await base.append([NewEvent(type: "spec_was_stored", data: ["document": Self.shop])], to: spec)
        }
        let engine = SpecEngine(store: store)
        do {
            try await engine.putSpec(Self.shop)
            Issue.record("both writers stored a spec")
        } catch let error as EngineError {
            #expect(error.code == .specChanged)
        }
        #expect(try await store.streamInfo(StreamName("$spec:current"))?.length == 1)
        #expect(try await engine.currentSpec().version == 1)
    }

    @Test("a dry run reports the stored events a new spec cannot fold, and stores nothing")
    func dryRun() async throws {
        let store = InMemoryEventStore()
        let engine = SpecEngine(store: store)
        try await engine.putSpec(Self.shop)
        let cart = Self.id()
        try await engine.write(Self.write("cart", cart, "was_opened", ["customer_id": "c1"]))
        let withoutCarts = Self.shop { spec in
            guard case .object(var types) = spec["aggregate_types"] else { return }
            types["cart"] = nil
            spec["aggregate_types"] = .object(types)
        }
        let put = try await engine.putSpec(withoutCarts, dryRun: true)
        #expect(put.version == nil)
        let report = try #require(put.dryRun)
        #expect(report.failures.map(\.stream.description) == ["cart:\(cart)"])
        #expect(try await engine.currentSpec().version == 1)
    }
}
