import Evident
import EvidentEngine
import EvidentSQLite
import EvidentSpec
import EvidentTesting
import Foundation
import Testing

/// Spec evolution on a real SQLite file: the uploads that would break stored events are refused with what they
/// would break, `force` stores them anyway, every version is kept, and a rollback is a new version.
@Suite("Spec evolution")
struct SpecEvolutionTests {
    /// An engine over a fresh SQLite file running the shop spec, with two carts: one opened with an item, one
    /// only opened.
    struct Shop {
        let engine: SpecEngine
        let store: SQLiteEventStore
        let directory: TemporaryDirectory
        let carts: [String]

        init(configuration: EngineConfiguration = EngineConfiguration()) async throws {
            directory = try TemporaryDirectory(prefix: "evident-spec-evolution")
            store = try SQLiteEventStore(path: directory.file("evident.sqlite"))
            engine = SpecEngine(store: store, configuration: configuration)
            try await engine.putSpec(SpecEngineTests.shop)
            carts = [SpecEngineTests.id(), SpecEngineTests.id()]
            for cart in carts {
                try await engine.write(SpecEngineTests.write("cart", cart, "was_opened", ["customer_id": "c1"]))
            }
            try await engine.write(
                SpecEngineTests.write("cart", carts[0], "item_was_added", ["sku": "a", "quantity": 2, "unit_price": 1]))
        }
    }

    /// `base` (the shop spec by default, wrapped in `{"spec": …}`) with `change` made to the event `event` of the
    /// aggregate type `type` (nil: not declared).
    static func shop(
        _ base: JSON = SpecEngineTests.shop, changing type: String, _ event: String,
        _ change: (inout [String: JSON]?) -> Void
    ) -> JSON {
        ["spec": base["spec"]!.changingEvent(event, of: type, change)]
    }

    /// The problems of a refused upload, or nil when it was stored.
    static func refusal(_ body: () async throws -> SpecPut) async throws -> (EngineError, [JSON])? {
        do {
            _ = try await body()
            return nil
        } catch let error as EngineError where error.code == .specRefused {
            return (error, error.details["problems"]?.array ?? [])
        }
    }

    static let appendingToTotal = shop(changing: "cart", "item_was_added") {
        $0?["handler"] = [["append": ["target": "total", "value": "$.data.sku"]]]
    }

    @Test("removing an event type with stored events is refused with the count; nothing is stored")
    func removedEventType() async throws {
        let shop = try await Shop()
        let head = try await shop.store.headPosition()
        let removed = Self.shop(changing: "cart", "was_opened") { $0 = nil }
        let (error, problems) = try #require(await Self.refusal { try await shop.engine.putSpec(removed) })
        #expect(error.message.contains("2 stored events") && error.message.contains("force"), "\(error.message)")
        #expect(
            problems == [
                [
                    "kind": "removed_event_type", "aggregate_type": "cart", "event_type": "was_opened", "events": 2,
                    "first": ["key": .string("cart:\(shop.carts[0])"), "version": 1],
                ]
            ])
        #expect(try await shop.store.headPosition() == head, "a refused upload stores nothing")
        #expect(try await shop.engine.currentSpec().version == 1)

        // Removing a whole aggregate type counts each of its event types.
        let withoutCarts = SpecEngineTests.shop { spec in
            var types = spec["aggregate_types"]!.object!
            types["cart"] = nil
            spec["aggregate_types"] = .object(types)
        }
        let (_, whole) = try #require(await Self.refusal { try await shop.engine.putSpec(withoutCarts) })
        #expect(whole.map { "\($0["event_type"]!.string!)=\($0["events"]!)" } == ["item_was_added=1", "was_opened=2"])
    }

    @Test("a handler that fails on stored events is refused with the count and the first error")
    func failsToFold() async throws {
        let shop = try await Shop()
        let (_, problems) = try #require(
            await Self.refusal { try await shop.engine.putSpec(Self.appendingToTotal) })
        #expect(problems.count == 1)
        let problem = try #require(problems.first)
        #expect(problem["kind"] == "fails_to_fold" && problem["event_type"] == "item_was_added")
        #expect(problem["events"] == 1 && problem["first"]?["version"] == 2)
        #expect(problem["error"]?.string?.contains("'append' needs an array") == true, "\(problem)")
        #expect(try await shop.engine.currentSpec().version == 1)
    }

    @Test("a schema that stored events no longer satisfy is refused; a wider one is stored")
    func narrowedSchema() async throws {
        let shop = try await Shop()
        let narrowed = Self.shop(changing: "cart", "was_opened") { event in
            event?["schema"] = [
                "type": "object", "properties": ["customer_id": ["type": "string", "minLength": 5]],
                "required": ["customer_id"],
            ]
        }
        let (_, problems) = try #require(await Self.refusal { try await shop.engine.putSpec(narrowed) })
        #expect(problems.map { $0["kind"] } == ["narrowed_schema"] && problems.first?["events"] == 2)

        let wider = Self.shop(changing: "cart", "was_opened") { $0?["schema"] = [:] }
        #expect(try await shop.engine.putSpec(wider).version == 2)
    }

    @Test("force stores a refused spec; its problems are not counted again for the next upload")
    func force() async throws {
        let shop = try await Shop()
        let removed = Self.shop(changing: "cart", "was_opened") { $0 = nil }
        let forced = try await shop.engine.putSpec(removed, force: true)
        #expect(forced.version == 2)
        let state = try await shop.engine.state(of: "cart", shop.carts[1])
        #expect(state.errors.count == 1, "the removed event is left out of the fold and reported")

        // A spec that also lacks was_opened, and adds an event: was_opened was removed already.
        let document = Self.shop(removed, changing: "order", "was_noted") { $0 = ["schema": [:], "handler": []] }
        #expect(try await shop.engine.putSpec(document).version == 3)
    }

    @Test("a dry run lists the same problems and stores nothing")
    func dryRun() async throws {
        let shop = try await Shop()
        let put = try await shop.engine.putSpec(Self.appendingToTotal, dryRun: true)
        let report = try #require(put.dryRun)
        #expect(report.problems.map(\.kind) == [.failsToFold] && report.problems.first?.events == 1)
        #expect(report.failures.count == 1 && !report.sampled)
        #expect(put.json["problems"]?.array?.first?["kind"] == "fails_to_fold")
        #expect(try await shop.engine.currentSpec().version == 1)
    }

    @Test("a dry run counts every failure and lists the first 100")
    func dryRunFailureLimit() async throws {
        let shop = try await Shop()
        for _ in 0..<DryRun.failureLimit {
            try await shop.engine.write(
                SpecEngineTests.write(
                    "cart", shop.carts[1], "item_was_added", ["sku": "b", "quantity": 1, "unit_price": 1]))
        }
        let put = try await shop.engine.putSpec(Self.appendingToTotal, dryRun: true)
        let report = try #require(put.dryRun)
        #expect(report.failureCount == DryRun.failureLimit + 1)
        #expect(report.failures.count == DryRun.failureLimit)
        #expect(put.json["failure_count"] == .int(DryRun.failureLimit + 1))
        #expect(put.json["failures"]?.array?.count == DryRun.failureLimit)
    }

    @Test("above the stream limit, folds are a sample and say so; removed types are still counted exactly")
    func sample() async throws {
        var configuration = EngineConfiguration()
        configuration.dryRunStreamLimit = 1
        let shop = try await Shop(configuration: configuration)
        try await shop.engine.write(
            SpecEngineTests.write(
                "cart", shop.carts[1], "item_was_added", ["sku": "b", "quantity": 1, "unit_price": 1]))
        let (error, problems) = try #require(
            await Self.refusal { try await shop.engine.putSpec(Self.appendingToTotal) })
        #expect(error.details["sampled"] == true && error.message.contains("first 1 streams"), "\(error.message)")
        #expect(problems.first?["events"] == 1, "only the first stream was folded")

        let removed = Self.shop(changing: "cart", "was_opened") { $0 = nil }
        let (_, exact) = try #require(await Self.refusal { try await shop.engine.putSpec(removed) })
        #expect(exact.first?["events"] == 2)
    }

    @Test("every version is kept and listed newest first; a version's document reads back; unknown ones are not found")
    func versions() async throws {
        let shop = try await Shop()
        let v2 = Self.shop(changing: "order", "was_noted") { $0 = ["schema": [:], "handler": []] }
        try await shop.engine.putSpec(v2)
        let listed = try await shop.engine.specVersions(limit: 10)
        #expect(listed.map(\.version) == [2, 1])
        let v2Hash = try CompiledSpec(v2).contentHash
        #expect(listed.first?.hash == v2Hash)
        #expect(listed.map(\.position) == listed.map(\.position).sorted(by: >))
        #expect(try await shop.engine.specVersions(before: 2, limit: 10).map(\.version) == [1])
        let firstDocument = try CompiledSpec(SpecEngineTests.shop).document
        #expect(try await shop.engine.specVersion(1).document == firstDocument)
        await #expect(throws: EngineError.self) { _ = try await shop.engine.specVersion(3) }
        do {
            _ = try await shop.engine.specVersion(9)
        } catch let error as EngineError {
            #expect(error.code == .specVersionNotFound && error.message.contains("1 to 2"))
        }
    }

    @Test("a rollback stores version n's document as a new version, and folds use it")
    func rollback() async throws {
        let shop = try await Shop()
        // Version 2 opens carts with the status "new" instead of "open": stored events fold differently.
        let v2 = Self.shop(changing: "cart", "was_opened") { event in
            event?["handler"] = ["merge": ["target": "", "value": ["status": "new", "lines": [], "total": 0]]]
        }
        try await shop.engine.putSpec(v2)
        #expect(try await shop.engine.state(of: "cart", shop.carts[1]).data["status"] == "new")

        let back = try await shop.engine.rollbackSpec(to: 1)
        let firstHash = try CompiledSpec(SpecEngineTests.shop).contentHash
        #expect(back.version == 3 && back.hash == firstHash)
        #expect(try await shop.engine.currentSpec().version == 3)
        #expect(try await shop.engine.state(of: "cart", shop.carts[1]).data["status"] == "open")
        #expect(try await shop.engine.specVersions(limit: 10).map(\.version) == [3, 2, 1])
        // Rolling back to the spec in force stores nothing.
        #expect(try await shop.engine.rollbackSpec(to: 1).version == 3)
    }

    @Test("a rollback that would break stored events is refused unless forced")
    func refusedRollback() async throws {
        let shop = try await Shop()
        let v2 = Self.shop(changing: "order", "was_noted") { $0 = ["schema": [:], "handler": []] }
        try await shop.engine.putSpec(v2)
        let order = SpecEngineTests.id()
        try await shop.engine.write(SpecEngineTests.write("order", order, "was_noted", [:]))
        let (_, problems) = try #require(await Self.refusal { try await shop.engine.rollbackSpec(to: 1) })
        #expect(problems.map { $0["kind"] } == ["removed_event_type"] && problems.first?["event_type"] == "was_noted")
        #expect(try await shop.engine.currentSpec().version == 2)
        #expect(try await shop.engine.rollbackSpec(to: 1, force: true).version == 3)
    }
}
