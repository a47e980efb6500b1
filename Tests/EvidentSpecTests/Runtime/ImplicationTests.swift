import Evident
import EvidentSpec
import Testing

@Suite("Implications")
struct ImplicationTests {
    @Test func emitsWhenTheConditionHolds() throws {
        let spec = try Fixture.spec(
            handler: #"{"increment": {"target": "n"}}"#,
            implications:
                #"[{"condition": {"gte": ["@.n", 2]}, "emit": {"aggregate_type": "counter", "id": "global", "event_type": "was_bumped", "data": {"from": "$.key"}}}]"#
        )
        let thing = spec.aggregateType("thing")!
        #expect(try thing.implications(of: Fixture.event(), stateAfter: ["n": 1]).isEmpty)
        let implied = try thing.implications(of: Fixture.event(), stateAfter: ["n": 2])
        #expect(
            implied == [
                ImpliedEvent(
                    aggregateType: "counter", aggregateID: "global", eventType: "was_bumped",
                    data: .string("thing:\(Fixture.aggregateID)").wrapped(in: "from"),
                    specPath: "aggregate_types.thing.events.happened.implications[0]")
            ])
    }

    @Test func mapEmitsOncePerElement() throws {
        let spec = try Fixture.spec(
            handler: "[]",
            implications:
                #"[{"map": {"over": "$.data.ids", "as": "$c", "condition": {"not_equals": ["$c", "webhook"]}, "emit": {"aggregate_type": "counter", "id": "$c", "event_type": "was_bumped"}}}]"#
        )
        let implied = try spec.aggregateType("thing")!.implications(
            of: Fixture.event(data: ["ids": ["global", "webhook", "01HZX3K9M"]]), stateAfter: [:])
        #expect(implied.map(\.aggregateID) == ["global", "01hzx3k9m"])
    }

    @Test func aMalformedImpliedIdIsAnImplicationFailure() throws {
        let spec = try Fixture.spec(
            handler: "[]",
            implications: #"[{"emit": {"aggregate_type": "counter", "id": "$.data.id", "event_type": "was_bumped"}}]"#)
        let error = #expect(throws: SpecError.self) {
            try spec.aggregateType("thing")!.implications(of: Fixture.event(data: ["id": "nope"]), stateAfter: [:])
        }
        #expect(error?.code == .implicationFailed)
        #expect(error?.specPath == "aggregate_types.thing.events.happened.implications[0]")
    }

    @Test func chainsAreCheckedAndFoldedWithADepthLimit() async throws {
        let spec = try CompiledSpec(
            parsing: #"""
                {"aggregate_types": {"node": {"events": {"was_pinged": {"schema": {}, "handler": {"increment": {"target": "pings"}},
                  "requires": {"not": {"gte": ["@.pings", 3]}},
                  "implications": [{"emit": {"aggregate_type": "node", "id": "global", "event_type": "was_pinged"}}]}}}},
                 "agent_types": ["system"]}
                """#)
        let node = spec.aggregateType("node")!
        let first = SpecEvent(type: "was_pinged", data: [:], aggregateType: "node", aggregateID: "global", version: 1)
        let after = try node.apply(first, to: [:])
        // Each ping implies another on the same aggregate until `requires` refuses the fourth.
        let refused = await #expect(throws: SpecError.self) {
            try await spec.impliedEvents(of: first, stateAfter: after) { _, _ in ([:], 0) }
        }
        #expect(refused?.code == .requirementFailed)
        let tooDeep = await #expect(throws: SpecError.self) {
            try await spec.impliedEvents(of: first, stateAfter: after, maximumDepth: 1) { _, _ in ([:], 0) }
        }
        #expect(tooDeep?.code == .implicationDepthExceeded)
    }

    @Test func plannedEventsCarryVersionsAndStates() async throws {
        let spec = try Fixture.spec(
            handler: "[]",
            implications:
                #"[{"emit": {"aggregate_type": "counter", "id": "global", "event_type": "was_bumped"}}, {"emit": {"aggregate_type": "counter", "id": "global", "event_type": "was_bumped"}}]"#
        )
        let planned = try await spec.impliedEvents(of: Fixture.event(), stateAfter: [:]) { type, id in
            #expect(type == "counter" && id == "global")
            return (["count": 5], 5)
        }
        #expect(planned.map(\.event.version) == [6, 7])
        #expect(planned.map(\.stateAfter) == [["count": 6], ["count": 7]])
        #expect(planned.map(\.depth) == [1, 1])
    }
}

extension JSON {
    fileprivate func wrapped(in key: String) -> JSON { .object([key: self]) }
}
