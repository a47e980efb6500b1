import Evident
import EvidentSpec
import Testing

@Suite("append, remove, filter, map, update_where, upsert, append_unique")
struct ArrayOpTests {
    let items: JSON = .parse(#"{"items": [{"id": "a", "qty": 1}, {"id": "b", "qty": 2}, {"id": "c", "qty": 3}]}"#)

    @Test func appendCreatesTheArrayAndAppends() throws {
        #expect(try Fixture.run(#"{"append": {"target": "tags", "value": "x"}}"#) == ["tags": ["x"]])
        #expect(
            try Fixture.run(#"{"append": {"target": "tags", "value": [1]}}"#, state: ["tags": ["x"]]) == [
                "tags": ["x", [1]]
            ])
    }

    @Test func appendToAStringFails() throws {
        let error = try Fixture.failure(#"{"append": {"target": "tags", "value": "x"}}"#, state: ["tags": "x"])
        #expect(error.code == .handlerFailed)
        #expect(error.message == "'append' needs an array at 'tags', found a string")
    }

    @Test func removeWithWhereRemovesMatchingElements() throws {
        let state = try Fixture.run(
            #"{"remove": {"target": "items", "where": {"id": "$.data.id"}}}"#, data: ["id": "b"], state: items)
        #expect(state == .parse(#"{"items": [{"id": "a", "qty": 1}, {"id": "c", "qty": 3}]}"#))
    }

    @Test func removeWithAPredicateWhere() throws {
        let state = try Fixture.run(
            #"{"remove": {"target": "items", "where": {"gte": ["$item.qty", 2]}}}"#, state: items)
        #expect(state == .parse(#"{"items": [{"id": "a", "qty": 1}]}"#))
    }

    @Test func removeWithoutWhereDeletesTheTarget() throws {
        #expect(try Fixture.run(#"{"remove": {"target": "a.b"}}"#, state: ["a": ["b": 1, "c": 2]]) == ["a": ["c": 2]])
        #expect(try Fixture.run(#"{"remove": {"target": "x.y"}}"#, state: ["a": 1]) == ["a": 1])
        #expect(try Fixture.run(#"{"remove": {"target": "items.0"}}"#, state: ["items": [1, 2]]) == ["items": [2]])
    }

    @Test func removeFromAMissingArrayDoesNothingAndFromAnObjectFails() throws {
        #expect(try Fixture.run(#"{"remove": {"target": "items", "where": {"id": 1}}}"#) == [:])
        #expect(
            try Fixture.failure(#"{"remove": {"target": "items", "where": {"id": 1}}}"#, state: ["items": ["id": 1]])
                .message.contains("needs an array"))
    }

    @Test func filterKeepsMatchingElements() throws {
        let state = try Fixture.run(
            #"{"filter": {"target": "items", "where": {"lt": ["$item.qty", 3]}}}"#, state: items)
        #expect(state["items"]?.array?.count == 2)
        #expect(
            try Fixture.run(#"{"filter": {"target": "items", "where": {"id": "z"}}}"#, state: items) == ["items": []])
        #expect(
            try Fixture.run(#"{"filter": {"target": "items", "where": {"id": "z"}}}"#, state: ["items": []]) == [
                "items": []
            ])
    }

    @Test func mapReplacesEachElement() throws {
        let state = try Fixture.run(#"{"map": {"target": "items", "value": "$item.id"}}"#, state: items)
        #expect(state == ["items": ["a", "b", "c"]])
        let named = try Fixture.run(
            #"{"map": {"target": "items", "as": "$line", "value": {"id": "$line.id", "double": {"$multiply": ["$line.qty", 2]}}}}"#,
            state: items)
        #expect(named["items"]?.array?.last == ["id": "c", "double": 6])
    }

    @Test func mapFailureLeavesTheArrayUnchanged() throws {
        let error = try Fixture.failure(
            #"{"map": {"target": "items", "value": {"$add": ["$item.qty", "$item.id"]}}}"#, state: items)
        #expect(error.message.contains("needs two numbers"))
    }

    @Test func updateWhereMergesIntoMatches() throws {
        let state = try Fixture.run(
            #"{"update_where": {"target": "items", "where": {"id": "$.data.id"}, "merge": {"qty": "$.data.qty"}}}"#,
            data: ["id": "b", "qty": 9], state: items)
        #expect(state == .parse(#"{"items": [{"id": "a", "qty": 1}, {"id": "b", "qty": 9}, {"id": "c", "qty": 3}]}"#))
    }

    @Test func updateWhereSetsMatchesWithTheElementBound() throws {
        let state = try Fixture.run(
            #"{"update_where": {"target": "items", "where": {"gt": ["$item.qty", 1]}, "set": {"id": "$item.id"}}}"#,
            state: items)
        #expect(state == .parse(#"{"items": [{"id": "a", "qty": 1}, {"id": "b"}, {"id": "c"}]}"#))
    }

    @Test func updateWhereNeedsExactlyOneOfSetAndMerge() throws {
        let both = try Fixture.handlerProblems(
            #"{"update_where": {"target": "items", "where": {"id": 1}, "set": 1, "merge": {}}}"#)
        #expect(both.map(\.message) == ["'update_where' takes either 'set' or 'merge', not both"])
        let neither = try Fixture.handlerProblems(#"{"update_where": {"target": "items", "where": {"id": 1}}}"#)
        #expect(neither.count == 1)
    }

    @Test func updateWhereMergingIntoANonObjectFails() throws {
        let error = try Fixture.failure(
            #"{"update_where": {"target": "items", "where": {"equals": ["$item", 1]}, "merge": {"a": 1}}}"#,
            state: ["items": [1]])
        #expect(error.message.contains("cannot merge into an element"))
    }

    @Test func upsertReplacesOrAppends() throws {
        let replaced = try Fixture.run(
            #"{"upsert": {"target": "items", "key": "id", "value": {"id": "b", "qty": 7}}}"#, state: items)
        #expect(replaced["items"]?.array?[1] == ["id": "b", "qty": 7])
        let appended = try Fixture.run(
            #"{"upsert": {"target": "items", "key": "id", "value": {"id": "d"}}}"#, state: items)
        #expect(appended["items"]?.array?.count == 4)
        let merged = try Fixture.run(
            #"{"upsert": {"target": "items", "key": "id", "value": {"id": "a", "note": "x"}, "merge": true}}"#,
            state: items)
        #expect(merged["items"]?.array?[0] == ["id": "a", "qty": 1, "note": "x"])
        #expect(
            try Fixture.run(#"{"upsert": {"target": "xs", "key": "id", "value": {"id": 1}}}"#) == ["xs": [["id": 1]]])
    }

    @Test func upsertWithoutTheKeyFieldFails() throws {
        #expect(
            try Fixture.failure(#"{"upsert": {"target": "items", "key": "id", "value": {"x": 1}}}"#).message.contains(
                "field 'id'"))
    }

    @Test func appendUniqueByDeepEqualityOrKey() throws {
        #expect(
            try Fixture.run(#"{"append_unique": {"target": "t", "value": {"a": 1}}}"#, state: ["t": [["a": 1.0]]]) == [
                "t": [["a": 1.0]]
            ])
        #expect(
            try Fixture.run(#"{"append_unique": {"target": "t", "value": "y"}}"#, state: ["t": ["x"]]) == [
                "t": ["x", "y"]
            ])
        let keyed = try Fixture.run(
            #"{"append_unique": {"target": "items", "key": "id", "value": {"id": "a", "qty": 5}}}"#, state: items)
        #expect(keyed == items)
    }

    @Test func matchValuesMayReadTheElement() throws {
        let state = try Fixture.run(
            #"{"remove": {"target": "items", "where": {"id": "$item.id"}}}"#,
            state: .parse(#"{"items": [{"id": 1}, {"x": 2}, 3]}"#))
        #expect(state == .parse(#"{"items": [{"x": 2}, 3]}"#))
    }

    @Test func updateWhereWithAMatchSetsEveryMatchAndChecksTheMergeValue() throws {
        let state = try Fixture.run(
            #"{"update_where": {"target": "items", "where": {"qty": 2}, "set": "gone"}}"#, state: items)
        #expect(state["items"]?.array?[1] == "gone")
        let error = try Fixture.failure(
            #"{"update_where": {"target": "items", "where": {"id": "a"}, "merge": "$.data.n"}}"#, data: ["n": 1],
            state: items)
        #expect(error.message.contains("needs an object to merge"))
        #expect(try Fixture.run(#"{"update_where": {"target": "nope", "where": {"id": "a"}, "set": 1}}"#) == [:])
    }
}
