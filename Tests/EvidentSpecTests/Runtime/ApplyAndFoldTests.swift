import Evident
import EvidentSpec
import Foundation
import Testing

@Suite("Applying new events and folding stored ones")
struct ApplyAndFoldTests {
    let user = EntityReference(type: "user", id: "global")

    @Test func unknownEventTypeIsRefused() throws {
        let spec = try Fixture.spec(handler: "[]")
        let error = #expect(throws: SpecError.self) {
            try spec.aggregateType("thing")!.apply(Fixture.event("nope"), to: [:])
        }
        #expect(error?.code == .unknownEventType)
        #expect(
            #expect(throws: SpecError.self) {
                try spec.apply(
                    SpecEvent(type: "x", data: [:], aggregateType: "nope", aggregateID: "global", version: 1), to: [:])
            }?.code == .unknownAggregateType)
    }

    @Test func actorAndTargetTypesAndIdsAreChecked() throws {
        let thing = try Fixture.spec(handler: "[]").aggregateType("thing")!
        func code(_ metadata: EventMetadata) -> SpecError.Code? {
            #expect(throws: SpecError.self) { try thing.apply(Fixture.event(metadata: metadata), to: [:]) }?.code
        }
        #expect(code(EventMetadata(actor: EntityReference(type: "robot", id: "global"))) == .actorTypeNotAllowed)
        #expect(code(EventMetadata(actor: EntityReference(type: "user", id: "42"))) == .malformedIdentifier)
        #expect(
            code(EventMetadata(actor: user, target: EntityReference(type: "order", id: "global")))
                == .targetTypeNotAllowed)
        #expect(
            code(EventMetadata(actor: user, target: EntityReference(type: "thing", id: "x"))) == .malformedIdentifier)
        let ok = EventMetadata(actor: user, target: EntityReference(type: "thing", id: "webhook"))
        #expect(try thing.apply(Fixture.event(metadata: ok), to: [:]) == [:])
        var malformed = Fixture.event()
        malformed.aggregateID = "not an id"
        #expect(#expect(throws: SpecError.self) { try thing.apply(malformed, to: [:]) }?.code == .malformedIdentifier)
    }

    @Test func requiresRejectsWithItsPath() throws {
        let spec = try Fixture.spec(
            handler: #"{"set": {"target": "status", "value": "cancelled"}}"#,
            requires: #"{"not_equals": ["@.status", "cancelled"]}"#)
        let thing = spec.aggregateType("thing")!
        let state = try thing.apply(Fixture.event(), to: [:])
        #expect(state == ["status": "cancelled"])
        let error = #expect(throws: SpecError.self) { try thing.apply(Fixture.event(version: 2), to: state) }
        #expect(error?.code == .requirementFailed)
        #expect(error?.specPath == "aggregate_types.thing.events.happened.requires")
    }

    @Test func aFailingHandlerRefusesANewEventAndLeavesTheStateAlone() throws {
        let thing = try Fixture.spec(
            handler: #"[{"set": {"target": "a", "value": 1}}, {"append": {"target": "s", "value": 1}}]"#
        ).aggregateType("thing")!
        let state: JSON = ["s": "text"]
        let error = #expect(throws: SpecError.self) { try thing.apply(Fixture.event(), to: state) }
        #expect(error?.code == .handlerFailed)
        #expect(error?.specPath == "aggregate_types.thing.events.happened.handler[1]")
    }

    @Test func foldLeavesOutEventsThatFailAndReportsThem() throws {
        let thing = try Fixture.spec(
            handler: #"[{"increment": {"target": "n"}}, {"append": {"target": "log", "value": "$.data.entry"}}]"#
        ).aggregateType("thing")!
        let events = [
            Fixture.event(data: ["entry": "a"], version: 1),
            Fixture.event(data: [:], version: 2),
            Fixture.event("gone", version: 3),
            Fixture.event("other", version: 4),
            Fixture.event(data: ["entry": "b"], version: 5),
        ]
        let result = thing.fold(events)
        #expect(result.state == ["n": 2, "log": ["a", "b"]])
        #expect(result.errors.map(\.version) == [2, 3])
        #expect(result.errors.map(\.error.code) == [.handlerFailed, .unknownEventType])
        #expect(result.version == 5)
    }

    @Test func foldReadsRecordedEvents() throws {
        let thing = try Fixture.spec(handler: #"{"set": {"target": "v", "value": "$.version"}}"#).aggregateType(
            "thing")!
        let stream = try StreamName(category: "thing", id: Fixture.aggregateID)
        let recorded = (1...3).map {
            RecordedEvent(
                id: UUID(), stream: stream, type: "happened", data: [:], metadata: EventMetadata(), version: $0,
                position: Int64($0), recordedAt: Date())
        }
        #expect(thing.fold(recorded).state == ["v": 3])
    }

    @Test(.enabled(if: SchemaSupport.validatorIsReal))
    func dataThatFailsItsSchemaIsRefusedWithTheViolationPath() throws {
        let thing = try Fixture.spec(
            handler: "[]",
            schema: #"{"type": "object", "properties": {"total": {"type": "number"}}, "required": ["total"]}"#
        ).aggregateType("thing")!
        let error = #expect(throws: SpecError.self) { try thing.apply(Fixture.event(data: ["total": "x"]), to: [:]) }
        #expect(error?.code == .invalidData)
        #expect(error?.violations.first?.path == "data.total")
    }
}
