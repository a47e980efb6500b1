import Evident
import EvidentEngine
import EvidentPostgres
import EvidentSQLite
import EvidentServer
import EvidentSpec
import EvidentTesting
import Foundation
import HTTPTypes
import Testing

/// Scheduled implications over a real store (a SQLite file, PostgreSQL): a `scheduled` event is written with the
/// cause, fired once when the test clock says it is due, cancelled by `cancel_if` or by a spec that no longer
/// declares it, and fired once when two schedulers race for it. No test waits for a delay: the clock is moved.
@Suite("Scheduled implications")
struct SchedulingTests {
    static let document = try! JSON(
        parsing: String(
            contentsOf: TestServer.repository.appendingPathComponent("Examples/specs/abandoned-cart.json"),
            encoding: .utf8))
    static let spec = try! CompiledSpec(document)
    static let actor = EntityReference(type: "customer", id: Fixture.customer)

    /// The abandoned-cart spec with `change` made to the `was_opened` event.
    static func spec(changingOpened change: (inout [String: JSON]) -> Void) -> JSON {
        var spec = document["spec"]!.object!
        var types = spec["aggregate_types"]!.object!
        var cart = types["cart"]!.object!
        var events = cart["events"]!.object!
        var opened = events["was_opened"]!.object!
        change(&opened)
        events["was_opened"] = .object(opened)
        cart["events"] = .object(events)
        types["cart"] = .object(cart)
        spec["aggregate_types"] = .object(types)
        return .object(spec)
    }

    static func open(_ cart: String, _ data: JSON = [:]) -> WriteRequest {
        WriteRequest(
            aggregateType: "cart", aggregateID: cart, events: [.init(type: "was_opened", data: data)],
            metadata: EventMetadata(actor: SchedulingTests.actor))
    }

    static func checkOut(_ cart: String) -> WriteRequest {
        WriteRequest(
            aggregateType: "cart", aggregateID: cart, events: [.init(type: "was_checked_out")],
            metadata: EventMetadata(actor: SchedulingTests.actor))
    }

    /// The types of the events of `cart`.
    static func events(of cart: String, _ engine: SpecEngine) async throws -> [String] {
        try await engine.events(of: "cart", cart, limit: 100).map(\.type)
    }

    @Test("due by the clock, fired once: again and by a restarted scheduler, nothing more", arguments: StoreKind.all)
    func firesOnce(_ store: StoreKind) async throws {
        let clock = TestClock()
        let server = try await TestServer(store, configuration: clock.configuration, spec: Self.spec)
        let engine = server.server.engine
        try await server.test { client in
            let cart = Fixture.id()
            let opened = try await client.post(
                "/cart/\(cart)/was_opened",
                ["data": [:], "metadata": ["actor": ["type": "customer", "id": .string(SchedulingTests.actor.id)]]])
            #expect(opened.status == .created || opened.status == .ok, "\(opened.text)")
            let listed = try await client.get("/_schedules?aggregate=cart:\(cart)")
            #expect(listed.status == .ok)
            let pending = try #require(listed["schedules"]?.array)
            #expect(pending.count == 1)
            #expect(pending.first?["due_at"] == .string(clock.now.addingTimeInterval(3_600).iso8601Milliseconds))
            #expect(pending.first?["target"] == .string("cart:\(cart)"))
            #expect(pending.first?["event_type"] == "was_abandoned")
            #expect(pending.first?["scheduled_by"]?["stream"] == .string("cart:\(cart)"))
            let causeID = try #require(pending.first?["scheduled_by"]?["event_id"]?.string)

            let scheduler = Scheduler(engine: engine)
            clock.advance(3_599)
            #expect(try await scheduler.fireDue().isEmpty, "not due yet")
            clock.advance(1)
            #expect(Array(try await scheduler.fireDue().values) == [.fired])
            #expect(try await scheduler.fireDue().isEmpty)
            #expect(try await Scheduler(engine: engine).fireDue().isEmpty, "a restarted scheduler finds it fired")

            #expect(try await Self.events(of: cart, engine) == ["was_opened", "was_abandoned"])
            let abandoned = try #require(try await engine.events(of: "cart", cart, limit: 10).last)
            #expect(abandoned.metadata.causationId == causeID)
            #expect(abandoned.metadata.actor == SchedulingTests.actor)
            #expect(try await engine.state(of: "cart", cart).data["abandoned_count"] == 1)
            #expect(try await client.get("/_schedules?aggregate=cart:\(cart)")["schedules"] == [])
        }
    }

    @Test("cancel_if holds when the time comes: cancelled, nothing emitted", arguments: StoreKind.all)
    func cancelIf(_ store: StoreKind) async throws {
        let clock = TestClock()
        let server = try await TestServer(store, configuration: clock.configuration, spec: Self.spec)
        let engine = server.server.engine
        try await server.test { client in
            let cart = Fixture.id()
            try await engine.write(Self.open(cart, ["abandon_after": 60]))
            try await engine.write(Self.checkOut(cart))
            clock.advance(60)
            let outcomes = try await Scheduler(engine: engine).fireDue()
            #expect(Array(outcomes.values) == [.cancelled(ScheduleCancellation(reason: .cancelIf))])
            #expect(try await Self.events(of: cart, engine) == ["was_opened", "was_checked_out"])
            let id = try #require(outcomes.keys.first)
            let closed = try await engine.store.readStream(StreamName(category: "$schedule", id: id))
            #expect(closed.map(\.type) == ["scheduled", "cancelled"])
            #expect(closed.last?.data == ["reason": "cancel_if"])
            #expect(try await client.get("/_schedules?aggregate=cart:\(cart)")["schedules"] == [])
        }
    }

    @Test("an event the spec refuses when its time comes cancels the schedule with the refusal")
    func refusedWhenDue() async throws {
        // was_abandoned requires opened_at; this schedule gives no data.
        let spec = try CompiledSpec(
            Self.spec { opened in
                opened["implications"] = [
                    [
                        "schedule": [
                            "after": 1,
                            "emit": ["aggregate_type": "cart", "id": "$.id", "event_type": "was_abandoned"],
                        ]
                    ]
                ]
            })
        let clock = TestClock()
        let server = try await TestServer(configuration: clock.configuration, spec: spec)
        let engine = server.server.engine
        try await server.test { _ in
            let cart = Fixture.id()
            try await engine.write(Self.open(cart))
            clock.advance(1)
            let outcome = try #require(try await Scheduler(engine: engine).fireDue().values.first)
            guard case .cancelled(let cancellation) = outcome else {
                Issue.record("not cancelled: \(outcome)")
                return
            }
            #expect(cancellation.reason == .refused)
            #expect(cancellation.error?.contains("schema") == true, "\(cancellation)")
            #expect(try await Self.events(of: cart, engine) == ["was_opened"])
        }
    }

    @Test(
        "the personal values of the event to come are encrypted in the scheduled event, and forgotten with it; the store refuses the event then, which cancels the schedule"
    )
    func personalData() async throws {
        // The opened cart's email goes to the abandonment; both mark it x-personal (subject: the cart, $.key).
        var document = Self.spec { opened in
            opened["schema"] = ["type": "object", "properties": ["email": ["type": "string", "x-personal": true]]]
            opened["implications"] = [
                [
                    "schedule": [
                        "after": 60,
                        "emit": [
                            "aggregate_type": "cart", "id": "$.id", "event_type": "was_abandoned",
                            "data": ["opened_at": "$.metadata.timestamp", "email": "$.data.email"],
                        ],
                    ]
                ]
            ]
        }.object!
        var types = document["aggregate_types"]!.object!
        var cart = types["cart"]!.object!
        var events = cart["events"]!.object!
        events["was_abandoned"] = [
            "schema": [
                "type": "object",
                "properties": [
                    "opened_at": ["type": "integer"],
                    "email": ["type": "string", "x-personal": true, "x-forgotten": "[forgotten]"],
                ],
            ],
            "handler": ["set": ["target": "status", "value": "abandoned"]],
        ]
        cart["events"] = .object(events)
        types["cart"] = .object(cart)
        document["aggregate_types"] = .object(types)
        let clock = TestClock()
        let server = try await TestServer(configuration: clock.configuration, spec: try CompiledSpec(.object(document)))
        let engine = server.server.engine
        try await server.test { _ in
            let cart = Fixture.id()
            try await engine.write(Self.open(cart, ["email": "ada@example.com"]))
            let privacy = try #require(engine.store as? PrivacyEventStore)
            let stream = try #require(
                try await privacy.base.streamListing().streams(inCategory: "$schedule", after: nil, limit: 10).first
            ).stream
            let raw = try await privacy.base.readStream(stream)
            #expect(raw.first?.data["data"]?["email"] != "ada@example.com", "stored encrypted")
            #expect(try await engine.store.readStream(stream).first?.data["data"]?["email"] == "ada@example.com")

            // Forgotten before its time: the schedule reads the forgotten value, and the store refuses new
            // personal data of the subject, so the schedule is cancelled with that refusal.
            _ = try await engine.forget(subject: "cart:\(cart)", reason: nil)
            #expect(try await engine.store.readStream(stream).first?.data["data"]?["email"] == "[forgotten]")
            clock.advance(60)
            let outcomes = try await Scheduler(engine: engine).fireDue()
            guard case .cancelled(let cancellation)? = outcomes.values.first else {
                Issue.record("not cancelled: \(outcomes)")
                return
            }
            #expect(cancellation.reason == .refused)
            #expect(cancellation.error?.contains("forgotten") == true, "\(cancellation)")
            #expect(try await Self.events(of: cart, engine) == ["was_opened"])
        }
    }

    @Test("a spec that no longer declares a schedule cancels it when it is stored", arguments: StoreKind.all)
    func specReplaced(_ store: StoreKind) async throws {
        let clock = TestClock()
        let server = try await TestServer(store, configuration: clock.configuration, spec: Self.spec)
        let engine = server.server.engine
        try await server.test { client in
            let cart = Fixture.id()
            try await engine.write(Self.open(cart))
            let scheduler = Scheduler(engine: engine)
            #expect(try await scheduler.fireDue().isEmpty)
            #expect(await scheduler.known.count == 1)
            // The same spec stored again keeps it; one with another delay does not.
            try await engine.putSpec(Self.document, force: true)
            #expect(try await client.get("/_schedules?aggregate=cart:\(cart)")["schedules"]?.array?.count == 1)
            try await engine.putSpec(
                Self.spec { opened in
                    opened["implications"] = [
                        [
                            "schedule": [
                                "after": 10,
                                "emit": ["aggregate_type": "cart", "id": "$.id", "event_type": "was_abandoned"],
                            ]
                        ]
                    ]
                })
            #expect(try await client.get("/_schedules?aggregate=cart:\(cart)")["schedules"] == [])
            clock.advance(7_200)
            #expect(try await scheduler.fireDue().isEmpty, "cancelled when the spec was stored")
            #expect(await scheduler.known.isEmpty)
            #expect(try await Self.events(of: cart, engine) == ["was_opened"])
            let schedules = try await engine.store.streamListing().streams(
                inCategory: "$schedule", after: nil, limit: 10)
            #expect(schedules.map(\.length) == [2])
            let closed = try await engine.store.readStream(try #require(schedules.first?.stream))
            #expect(closed.last?.data == ["reason": "spec_changed"])
        }
    }

    @Test("a delay that is not a number of seconds refuses the write with 422; nothing is written")
    func badDelay() async throws {
        let unchecked = try CompiledSpec(
            Self.spec { opened in
                opened["schema"] = ["type": "object"]
                opened["implications"] = [
                    [
                        "schedule": [
                            "after": "$.data.abandon_after",
                            "emit": ["aggregate_type": "cart", "id": "$.id", "event_type": "was_checked_out"],
                        ]
                    ]
                ]
            })
        let server = try await TestServer(spec: unchecked)
        try await server.test { client in
            let cart = Fixture.id()
            let head = try await server.server.store.headPosition()
            let refused = try await client.post(
                "/cart/\(cart)/was_opened",
                [
                    "data": ["abandon_after": "later"],
                    "metadata": ["actor": ["type": "customer", "id": .string(SchedulingTests.actor.id)]],
                ])
            #expect(refused.status == .unprocessableContent, "\(refused.text)")
            #expect(refused["error"]?.string?.contains("'after'") == true, "\(refused.text)")
            #expect(try await server.server.store.headPosition() == head)
            #expect(try await client.get("/_schedules").status == .badRequest)
            #expect(try await client.get("/_schedules?aggregate=nope").status == .badRequest)
        }
    }

    /// Two engines over one store: on SQLite two connections to one file, on PostgreSQL two pools on one schema.
    static func twoEngines(_ kind: StoreKind, clock: TestClock, directory: TemporaryDirectory) async throws -> (
        [SpecEngine], @Sendable () async -> Void
    ) {
        var configuration = EngineConfiguration()
        configuration.clock = { [clock] in clock.now }
        switch kind {
        case .sqlite:
            let stores = [
                try SQLiteEventStore(path: directory.file("evident.sqlite")),
                try SQLiteEventStore(path: directory.file("evident.sqlite")),
            ]
            return (
                stores.map { SpecEngine(store: $0, configuration: configuration) },
                { for store in stores { await store.close() } }
            )
        case .postgres:
            var storeConfiguration = try PostgresStoreConfiguration(
                url: PostgresTestServer.freshURL(prefix: "schedules"))
            storeConfiguration.maximumConnections = 4
            let first = try await PostgresEventStore.connect(storeConfiguration)
            let second = try await PostgresEventStore.connect(storeConfiguration)
            return (
                [first, second].map { SpecEngine(store: $0, configuration: configuration) },
                {
                    await first.close(); await second.close()
                }
            )
        }
    }

    @Test("two schedulers racing for the same due schedules: each is fired exactly once", arguments: StoreKind.all)
    func racingSchedulers(_ kind: StoreKind) async throws {
        let clock = TestClock()
        let directory = try TemporaryDirectory(prefix: "evident-schedules")
        let (engines, close) = try await Self.twoEngines(kind, clock: clock, directory: directory)
        do {
            try await engines[0].putSpec(Self.document)
            let carts = (0..<20).map { _ in Fixture.id() }
            for cart in carts { try await engines[0].write(Self.open(cart, ["abandon_after": 5])) }
            clock.advance(5)
            let outcomes = try await withThrowingTaskGroup(of: [String: ScheduleOutcome].self) { group in
                for engine in engines {
                    group.addTask { try await Scheduler(engine: engine).fireDue() }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            let fired = outcomes.flatMap { $0.filter { $0.value == .fired }.keys }
            #expect(fired.count == 20 && Set(fired).count == 20, "\(outcomes)")
            #expect(outcomes.flatMap(\.values).allSatisfy { $0 == .fired || $0 == .closedElsewhere })
            for cart in carts {
                #expect(try await Self.events(of: cart, engines[1]) == ["was_opened", "was_abandoned"])
            }
            for engine in engines { #expect(try await Scheduler(engine: engine).fireDue().isEmpty) }
        } catch {
            await close()
            throw error
        }
        await close()
    }
}
