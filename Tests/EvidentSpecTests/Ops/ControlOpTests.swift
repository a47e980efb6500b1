import Evident
import EvidentSpec
import Testing

@Suite("conditional, let, and optional references")
struct ControlOpTests {
    @Test func conditionalRunsThenOrElse() throws {
        let handler =
            #"{"conditional": {"if": {"gt": ["$.data.n", 10]}, "then": {"set": {"target": "size", "value": "big"}}, "else": [{"set": {"target": "size", "value": "small"}}]}}"#
        #expect(try Fixture.run(handler, data: ["n": 11]) == ["size": "big"])
        #expect(try Fixture.run(handler, data: ["n": 1]) == ["size": "small"])
        let noElse = #"{"conditional": {"if": {"equals": ["@.open", true]}, "then": {"increment": {"target": "n"}}}}"#
        #expect(try Fixture.run(noElse, state: ["open": false]) == ["open": false])
    }

    @Test func aFailureInsideConditionalReportsTheInnerOpPath() throws {
        let error = try Fixture.failure(
            #"[{"conditional": {"if": {"exists": "@.t"}, "then": [{"set": {"target": "a", "value": 1}}, {"append": {"target": "t", "value": 1}}]}}]"#,
            state: ["t": "x"])
        #expect(error.specPath == "aggregate_types.thing.events.happened.handler[0].conditional.then[1]")
    }

    @Test func letBindsVariablesForItsOps() throws {
        let state = try Fixture.run(
            #"{"let": {"bind": {"$total": {"$multiply": ["$.data.price", "$.data.qty"]}, "who": "$.type"}, "in": [{"set": {"target": "total", "value": "$total"}}, {"set": {"target": "by", "value": "$who"}}]}}"#,
            data: ["price": 2, "qty": 3])
        #expect(state == ["total": 6, "by": "happened"])
    }

    @Test func letVariablesAreUnknownOutsideTheirScope() throws {
        let problems = try Fixture.handlerProblems(
            #"[{"let": {"bind": {"x": 1}, "in": []}}, {"set": {"target": "a", "value": "$x"}}]"#)
        #expect(problems.map(\.path) == ["aggregate_types.thing.events.happened.handler[1].set.value"])
        #expect(problems.first?.message.contains("unknown variable '$x'") == true)
    }

    @Test func innerBindingsShadowOuterOnes() throws {
        let state = try Fixture.run(
            #"{"let": {"bind": {"x": 1}, "in": [{"let": {"bind": {"x": 2}, "in": {"set": {"target": "inner", "value": "$x"}}}}, {"set": {"target": "outer", "value": "$x"}}]}}"#
        )
        #expect(state == ["inner": 2, "outer": 1])
    }

    @Test func aMissingOptionalReferenceSkipsOnlyItsOp() throws {
        let handler = #"[{"set": {"target": "note", "value": "$.data.note?"}}, {"increment": {"target": "n"}}]"#
        #expect(try Fixture.run(handler) == ["n": 1])
        #expect(try Fixture.run(handler, data: ["note": "hi"]) == ["note": "hi", "n": 1])
        #expect(try Fixture.run(handler, data: ["note": nil]) == ["note": nil, "n": 1])
    }

    @Test func aMissingOptionalReferenceInAnElementOpSkipsTheWholeOp() throws {
        let state = try Fixture.run(
            #"{"map": {"target": "xs", "value": "$item.a?"}}"#, state: .parse(#"{"xs": [{"a": 1}, {"b": 2}]}"#))
        #expect(state == .parse(#"{"xs": [{"a": 1}, {"b": 2}]}"#))
    }

    @Test func aMissingRequiredReferenceFails() throws {
        let error = try Fixture.failure(#"{"set": {"target": "note", "value": "$.data.note"}}"#)
        #expect(error.code == .handlerFailed)
        #expect(error.message.contains("'$.data.note' is missing"))
    }

    @Test func anEmptyHandlerChangesNothing() throws {
        #expect(try Fixture.run("[]", state: ["a": 1]) == ["a": 1])
    }
}
