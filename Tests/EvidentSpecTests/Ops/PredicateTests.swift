import Evident
import EvidentSpec
import Testing

@Suite("Predicates")
struct PredicateTests {
    /// Whether `predicate` holds for the data and state.
    func holds(_ predicate: String, data: JSON = [:], state: JSON = [:]) throws -> Bool {
        let handler = #"{"conditional": {"if": \#(predicate), "then": {"set": {"target": "held", "value": true}}}}"#
        return try Fixture.run(handler, data: data, state: state)["held"] == true
    }

    @Test func equalsIsDeepWithOneEqualToOnePointZero() throws {
        #expect(try holds(#"{"equals": ["$.data.n", 1.0]}"#, data: ["n": 1]))
        #expect(try holds(#"{"equals": ["$.data.o", {"a": [1, 2]}]}"#, data: ["o": ["a": [1, 2.0]]]))
        #expect(try !holds(#"{"equals": ["$.data.n", "1"]}"#, data: ["n": 1]))
        #expect(try holds(#"{"not_equals": ["@.status", "cancelled"]}"#, state: ["status": "open"]))
        #expect(try !holds(#"{"not_equals": ["@.status", "open"]}"#, state: ["status": "open"]))
    }

    @Test func comparisonsAreNumericOrLexicographicElseFalse() throws {
        #expect(try holds(#"{"gt": [2, 1.5]}"#))
        #expect(try holds(#"{"gte": [2, 2.0]}"#))
        #expect(try holds(#"{"lt": ["apple", "banana"]}"#))
        #expect(try holds(#"{"lte": ["b", "b"]}"#))
        #expect(try !holds(#"{"gt": ["10", 9]}"#))
        #expect(try !holds(#"{"lt": [null, 1]}"#))
        #expect(try !holds(#"{"gte": [[1], [1]]}"#))
        #expect(try !holds(#"{"lte": [true, true]}"#))
    }

    @Test func inAndNotIn() throws {
        #expect(try holds(#"{"in": ["$.data.s", ["a", "b"]]}"#, data: ["s": "b"]))
        #expect(try !holds(#"{"in": ["$.data.s", []]}"#, data: ["s": "b"]))
        #expect(try holds(#"{"not_in": [3, "@.xs"]}"#, state: ["xs": [1, 2]]))
        #expect(try holds(#"{"in": [1, "@.xs"]}"#, state: ["xs": [1.0]]))
    }

    @Test func inWithANonArrayFails() throws {
        #expect(try Fixture.handlerProblems(#"{"conditional": {"if": {"in": [1, "x"]}, "then": []}}"#).count == 1)
        let error = try Fixture.failure(
            #"{"conditional": {"if": {"in": [1, "@.xs"]}, "then": []}}"#, state: ["xs": "1"])
        #expect(error.message.contains("needs an array"))
    }

    @Test func existsIsFalseForMissingOrNull() throws {
        #expect(try holds(#"{"exists": "$.data.a"}"#, data: ["a": 0]))
        #expect(try !holds(#"{"exists": "$.data.a"}"#))
        #expect(try !holds(#"{"exists": "$.data.a"}"#, data: ["a": nil]))
        #expect(try holds(#"{"exists": "@.items.1"}"#, state: ["items": [1, 2]]))
        #expect(try !holds(#"{"exists": "@.items.2"}"#, state: ["items": [1, 2]]))
    }

    @Test func andOrNot() throws {
        #expect(try holds(#"{"and": [{"equals": [1, 1]}, {"not": {"equals": [1, 2]}}]}"#))
        #expect(try !holds(#"{"and": [{"equals": [1, 1]}, {"equals": [1, 2]}]}"#))
        #expect(try holds(#"{"or": [{"equals": [1, 2]}, {"equals": [2, 2]}]}"#))
        #expect(try !holds(#"{"or": [{"equals": [1, 2]}]}"#))
        #expect(try !holds(#"{"not": {"exists": "@"}}"#))
    }

    @Test func aMissingReferenceReadsAsNullInPredicates() throws {
        #expect(try holds(#"{"not_equals": ["@.status", "cancelled"]}"#))
        #expect(try holds(#"{"equals": ["$.data.missing", null]}"#))
        #expect(try !holds(#"{"gt": ["@.count", 0]}"#))
        #expect(try !holds(#"{"in": ["$.data.missing", [1]]}"#))
    }

    @Test func anOptionalReferenceInAConditionSkipsTheOp() throws {
        #expect(try !holds(#"{"equals": ["$.data.missing?", null]}"#))
    }

    @Test func malformedPredicatesAreProblems() throws {
        let problems = try Fixture.handlerProblems(
            #"[{"conditional": {"if": {"equals": [1]}, "then": []}}, {"conditional": {"if": {"and": []}, "then": []}}, {"conditional": {"if": {"bigger": [1, 2]}, "then": []}}, {"conditional": {"if": {"exists": 3}, "then": []}}, {"conditional": {"if": {"equals": [1, 1], "gt": [1, 2]}, "then": []}}]"#
        )
        let base = "aggregate_types.thing.events.happened.handler"
        #expect(
            problems.map(\.path) == [
                "\(base)[0].conditional.if.equals", "\(base)[1].conditional.if.and", "\(base)[2].conditional.if.bigger",
                "\(base)[3].conditional.if.exists", "\(base)[4].conditional.if",
            ])
    }
}
