import Evident
import EvidentSpec
import Foundation
import Testing

/// `{"schedule": {"after", "emit", "cancel_if"?}}` implications: checked when the spec is loaded, evaluated when
/// the causing event is written, and known by an identity a later spec keeps only by declaring the same entry.
@Suite("Scheduled implications")
struct ScheduleTests {
    static let directory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Examples/specs")
    static let document = try! JSON(
        parsing: String(contentsOf: directory.appendingPathComponent("abandoned-cart.json"), encoding: .utf8))

    /// The abandoned-cart spec with `schedule` as the `was_opened` event's only implication.
    static func spec(schedule: JSON) -> JSON {
        var spec = document["spec"]!.object!
        var types = spec["aggregate_types"]!.object!
        var cart = types["cart"]!.object!
        var events = cart["events"]!.object!
        var opened = events["was_opened"]!.object!
        opened["implications"] = [["schedule": schedule]]
        events["was_opened"] = .object(opened)
        cart["events"] = .object(events)
        types["cart"] = .object(cart)
        spec["aggregate_types"] = .object(types)
        return .object(spec)
    }

    static func opened(_ data: JSON = [:]) -> SpecEvent {
        SpecEvent(
            type: "was_opened", data: data,
            metadata: EventMetadata(
                actor: EntityReference(type: "customer", id: "5f0c2a64-8d7e-4b7b-9a51-3c2f8e1d0a11")),
            aggregateType: "cart", aggregateID: "01hzx3k9m", version: 1, timestamp: Date(timeIntervalSince1970: 1_000))
    }

    @Test("a schedule gives its delay, target and data, evaluated against the causing event")
    func evaluated() throws {
        let spec = try CompiledSpec(Self.document)
        let cart = try #require(spec.aggregateType("cart"))
        let event = Self.opened(["abandon_after": 90])
        let state = try cart.apply(event, to: [:])
        let planned = try cart.schedules(of: event, stateAfter: state)
        #expect(planned.count == 1)
        #expect(planned.first?.delay == 90)
        #expect(planned.first?.aggregateType == "cart" && planned.first?.aggregateID == "01hzx3k9m")
        #expect(planned.first?.eventType == "was_abandoned")
        #expect(planned.first?.data == ["opened_at": 1_000])
        #expect(try cart.schedules(of: Self.opened(), stateAfter: state).first?.delay == 3_600, "the default")
        let identity = try #require(planned.first?.schedule)
        #expect(identity.hasPrefix("aggregate_types.cart.events.was_opened.implications[0]#"))
        #expect(spec.declaresSchedule(identity))
    }

    @Test("cancel_if reads the target's state when the time comes")
    func cancelIf() throws {
        let spec = try CompiledSpec(Self.document)
        let cart = try #require(spec.aggregateType("cart"))
        let event = Self.opened()
        let identity = try #require(try cart.schedules(of: event, stateAfter: [:]).first?.schedule)
        #expect(try !spec.cancelConditionHolds(schedule: identity, event: event, targetState: ["status": "open"]))
        #expect(try spec.cancelConditionHolds(schedule: identity, event: event, targetState: ["status": "checked_out"]))
    }

    @Test("a later spec declares a schedule only with the same entry at the same place")
    func identity() throws {
        let spec = try CompiledSpec(Self.document)
        let cart = try #require(spec.aggregateType("cart"))
        let identity = try #require(try cart.schedules(of: Self.opened(), stateAfter: [:]).first?.schedule)
        let opened = Self.document["spec"]?["aggregate_types"]?["cart"]?["events"]?["was_opened"]
        let entry = try #require(opened?["implications"]?.array?.first?["schedule"])
        let same = try CompiledSpec(Self.spec(schedule: entry))
        #expect(same.declaresSchedule(identity))
        let changed = try CompiledSpec(
            Self.spec(schedule: [
                "after": 60, "emit": ["aggregate_type": "cart", "id": "$.id", "event_type": "was_abandoned"],
            ]))
        #expect(!changed.declaresSchedule(identity))
    }

    @Test("a delay that is not a number of seconds, 0 or more, is refused when the event is written")
    func badDelayAtWriteTime() throws {
        let spec = try CompiledSpec(Self.document)
        let cart = try #require(spec.aggregateType("cart"))
        let unchecked = Self.spec(schedule: [
            "after": "$.data.delay", "emit": ["aggregate_type": "cart", "id": "$.id", "event_type": "was_checked_out"],
        ])
        let delayed = try #require(try CompiledSpec(unchecked).aggregateType("cart"))
        for delay: JSON in [-1, "soon", .null] {
            #expect(throws: SpecError.self) {
                try delayed.schedules(of: Self.opened(["delay": delay]), stateAfter: [:])
            }
        }
        do {
            _ = try delayed.schedules(of: Self.opened(["delay": -1]), stateAfter: [:])
        } catch {
            #expect(error.code == .implicationFailed)
            #expect(error.specPath == "aggregate_types.cart.events.was_opened.implications[0].schedule")
            #expect(error.message.contains("'after'"), "\(error.message)")
        }
        _ = cart
    }

    @Test("validation reports every bad schedule entry with its path")
    func validation() throws {
        let problems = CompiledSpec.problems(
            in: Self.spec(schedule: [
                "after": -5, "emit": ["aggregate_type": "cart", "id": "$.id", "event_type": "was_lost"],
                "cancel_if": ["almost": []], "when": 1,
            ]))
        let paths = Set(problems.map(\.path))
        let base = "aggregate_types.cart.events.was_opened.implications[0].schedule"
        #expect(
            paths == [
                "\(base).after", "\(base).emit.event_type", "\(base).cancel_if.almost", "\(base).when",
            ], "\(problems)")
        let missing = CompiledSpec.problems(in: Self.spec(schedule: ["after": 5]))
        #expect(missing.map(\.path) == [base] && missing.first?.message.contains("'emit'") == true, "\(missing)")
    }
}
