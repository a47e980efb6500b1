import Evident
import Foundation
import Testing

/// Version 1 of `price_was_set` stored `cents` as a string; version 2 stores an integer `cents`; version 3 is
/// named `price_was_changed` and stores `amount` and `currency`.
struct PriceChanged: DomainEvent, Equatable {
    static let eventType = "price_was_changed"
    static let schemaVersion = 3
    var amount: Int
    var currency: String
}

enum PriceEvent: EventFamily, Equatable {
    case changed(PriceChanged)

    static let registry = EventRegistry<PriceEvent>()
        .register(PriceChanged.self, as: PriceEvent.changed)
        .upcast("price_was_set", from: 1) { data in
            ["cents": .int(Int(data["cents"]?.string ?? "") ?? 0)]
        }
        .upcast("price_was_set", from: 2, renamedTo: "price_was_changed") { data in
            ["amount": data["cents"] ?? 0, "currency": "EUR"]
        }

    var payload: any DomainEvent {
        switch self {
        case .changed(let event): event
        }
    }
}

@Suite("Typed events, registry and upcasting")
struct EventRegistryTests {
    func recorded(_ type: String, _ data: JSON, schemaVersion: Int? = nil) throws -> RecordedEvent {
        var metadata = EventMetadata()
        if let schemaVersion { metadata.extra["schema_version"] = .int(schemaVersion) }
        return RecordedEvent(
            id: .timeOrdered(), stream: try StreamName("price:1"), type: type, data: data, metadata: metadata,
            version: 1, position: 1, recordedAt: .now)
    }

    @Test("a typed event encodes with its type name and schema version, and decodes back")
    func roundTrip() throws {
        let event = PriceEvent.changed(PriceChanged(amount: 120, currency: "USD"))
        let new = try event.newEvent()
        #expect(new.type == "price_was_changed")
        #expect(new.data == ["amount": 120, "currency": "USD"])
        #expect(new.metadata.extra["schema_version"] == 3)
        let back = try PriceEvent(recorded: recorded(new.type, new.data, schemaVersion: 3))
        #expect(back == event)
        // Version 1 is implied and not written.
        #expect(try CounterEvent.incremented(Incremented(by: 2)).newEvent().metadata.extra.isEmpty)
    }

    @Test("upcasters chain from version 1 through a rename to the current version")
    func upcastChain() throws {
        let v1 = try PriceEvent(recorded: recorded("price_was_set", ["cents": "250"]))
        #expect(v1 == .changed(PriceChanged(amount: 250, currency: "EUR")))
        let v2 = try PriceEvent(recorded: recorded("price_was_set", ["cents": 99], schemaVersion: 2))
        #expect(v2 == .changed(PriceChanged(amount: 99, currency: "EUR")))
        #expect(try PriceEvent.decodeIfKnown(recorded("price_was_set", ["cents": "1"])) != nil)
    }

    @Test("a stored version with no path to the current one is an error naming the type and version")
    func missingPath() throws {
        let error = #expect(throws: EventCodingError.self) {
            try PriceEvent(recorded: recorded("price_was_changed", ["amount": 1], schemaVersion: 1))
        }
        #expect(error?.code == .noUpcastPath)
        #expect(error?.eventType == "price_was_changed" && error?.schemaVersion == 1)
        #expect(error?.description.contains("'price_was_changed' from schema version 1") == true)
        #expect(error?.description.contains("current version 3") == true)
    }

    @Test("unknown, too new and undecodable events are clear errors")
    func errors() throws {
        let unknown = #expect(throws: EventCodingError.self) { try PriceEvent(recorded: recorded("was_shipped", [:])) }
        #expect(unknown?.code == .unknownEventType && unknown?.description.contains("'was_shipped'") == true)
        #expect(try PriceEvent.decodeIfKnown(recorded("was_shipped", [:])) == nil)

        let newer = #expect(throws: EventCodingError.self) {
            try PriceEvent(recorded: recorded("price_was_changed", ["amount": 1, "currency": "EUR"], schemaVersion: 4))
        }
        #expect(newer?.code == .schemaVersionTooNew)

        let broken = #expect(throws: EventCodingError.self) {
            try PriceEvent(recorded: recorded("price_was_changed", ["amount": "lots"], schemaVersion: 3))
        }
        #expect(broken?.code == .undecodableEvent)
        #expect(broken?.description.contains("lots") == false, "the description must not quote event data")
    }

    @Test("upcasting happens on read; the stored event is never rewritten")
    func lazyUpcasting() async throws {
        let store = InMemoryEventStore()
        let stream = try StreamName("price:7")
        try await store.append([NewEvent(type: "price_was_set", data: ["cents": "300"])], to: stream)
        let prices = Repository(store: store, decider: PriceList(), category: "price")
        #expect(try await prices.load("7").state == 300)
        let stored = try await store.readStream(stream)
        #expect(stored.map(\.type) == ["price_was_set"] && stored[0].data == ["cents": "300"])
    }
}

struct PriceList: Decider {
    var initialState: Int { 0 }
    func decide(_ command: Never, _ state: Int) throws -> [PriceEvent] {}
    func evolve(_ state: Int, _ event: PriceEvent) -> Int {
        switch event {
        case .changed(let changed): changed.amount
        }
    }
}
