import Evident
import EvidentSpec
import Testing

@Suite("set, merge and the _at ops")
struct ObjectOpTests {
    @Test func setReplacesTheValueAtTarget() throws {
        let state = try Fixture.run(#"{"set": {"target": "status", "value": "open"}}"#, state: ["status": "new"])
        #expect(state == ["status": "open"])
    }

    @Test func setAtTheRootReplacesTheState() throws {
        let state = try Fixture.run(#"{"set": {"target": "", "value": "$.data"}}"#, data: ["a": 1], state: ["b": 2])
        #expect(state == ["a": 1])
    }

    @Test func setCreatesMissingIntermediateObjects() throws {
        let state = try Fixture.run(#"{"set": {"target": "profile.address.city", "value": "Oslo"}}"#)
        #expect(state == .parse(#"{"profile": {"address": {"city": "Oslo"}}}"#))
    }

    @Test func setWithIntegerSegmentIndexesAnArray() throws {
        let state = try Fixture.run(
            #"{"set": {"target": "items.1.qty", "value": 5}}"#, state: .parse(#"{"items": [{"qty": 1}, {"qty": 2}]}"#))
        #expect(state == .parse(#"{"items": [{"qty": 1}, {"qty": 5}]}"#))
    }

    @Test func setPastTheEndOfAnArrayFails() throws {
        let error = try Fixture.failure(#"{"set": {"target": "items.3", "value": 5}}"#, state: ["items": [1]])
        #expect(error.code == .handlerFailed)
        #expect(error.message.contains("index 3"))
        #expect(error.specPath == "aggregate_types.thing.events.happened.handler")
    }

    @Test func setThroughAStringFails() throws {
        let error = try Fixture.failure(#"[{"set": {"target": "name.first", "value": "A"}}]"#, state: ["name": "Ann"])
        #expect(error.code == .handlerFailed)
        #expect(error.specPath == "aggregate_types.thing.events.happened.handler[0]")
        #expect(error.message.contains("'name' is a string"))
    }

    @Test func mergeIsShallowByDefault() throws {
        let state = try Fixture.run(
            #"{"merge": {"target": "profile", "value": {"a": {"y": 2}, "c": 3}}}"#,
            state: .parse(#"{"profile": {"a": {"x": 1}, "b": 1}}"#))
        #expect(state == .parse(#"{"profile": {"a": {"y": 2}, "b": 1, "c": 3}}"#))
    }

    @Test func deepMergeMergesNestedObjects() throws {
        let state = try Fixture.run(
            #"{"merge": {"target": "profile", "value": {"a": {"y": 2}}, "deep": true}}"#,
            state: .parse(#"{"profile": {"a": {"x": 1}}}"#))
        #expect(state == .parse(#"{"profile": {"a": {"x": 1, "y": 2}}}"#))
    }

    @Test func mergeCreatesAMissingObjectAndMergesAtTheRoot() throws {
        #expect(try Fixture.run(#"{"merge": {"target": "p", "value": {"a": 1}}}"#) == ["p": ["a": 1]])
        #expect(
            try Fixture.run(#"{"merge": {"target": "", "value": "$.data"}}"#, data: ["a": 1], state: ["b": 2]) == [
                "a": 1, "b": 2,
            ])
    }

    @Test func mergeIntoANonObjectOrWithANonObjectFails() throws {
        #expect(
            try Fixture.failure(#"{"merge": {"target": "p", "value": {"a": 1}}}"#, state: ["p": [1]]).message.contains(
                "not an object"))
        #expect(
            try Fixture.failure(#"{"merge": {"target": "p", "value": "$.data.n"}}"#, data: ["n": 1]).message.contains(
                "needs an object"))
    }

    @Test func setAtUsesAnEvaluatedKey() throws {
        let state = try Fixture.run(
            #"{"set_at": {"target": "prices", "key": "$.data.sku", "value": "$.data.price"}}"#,
            data: ["sku": "a1", "price": 3])
        #expect(state == ["prices": ["a1": 3]])
        let numeric = try Fixture.run(
            #"{"set_at": {"target": "byYear", "key": "$.data.y", "value": true}}"#, data: ["y": 2026])
        #expect(numeric == ["byYear": ["2026": true]])
    }

    @Test func setAtWithANonStringKeyFails() throws {
        let error = try Fixture.failure(
            #"{"set_at": {"target": "t", "key": "$.data.k", "value": 1}}"#, data: ["k": [1]])
        #expect(error.message.contains("'key'"))
    }

    @Test func mergeAtMergesIntoTheObjectAtKey() throws {
        let state = try Fixture.run(
            #"{"merge_at": {"target": "users", "key": "$.data.id", "value": {"name": "$.data.name"}}}"#,
            data: ["id": "u1", "name": "Ann"], state: .parse(#"{"users": {"u1": {"age": 3}}}"#))
        #expect(state == .parse(#"{"users": {"u1": {"age": 3, "name": "Ann"}}}"#))
    }

    @Test func removeAtDeletesTheKeyAndIgnoresMissingOnes() throws {
        #expect(
            try Fixture.run(#"{"remove_at": {"target": "m", "key": "a"}}"#, state: ["m": ["a": 1, "b": 2]]) == [
                "m": ["b": 2]
            ])
        #expect(try Fixture.run(#"{"remove_at": {"target": "m", "key": "a"}}"#, state: ["x": 1]) == ["x": 1])
    }

    @Test func incrementAndDecrement() throws {
        #expect(try Fixture.run(#"{"increment": {"target": "n"}}"#) == ["n": 1])
        #expect(try Fixture.run(#"{"increment": {"target": "n", "by": 2.5}}"#, state: ["n": 1]) == ["n": 3.5])
        #expect(
            try Fixture.run(#"{"decrement": {"target": "n", "by": "$.data.q"}}"#, data: ["q": 4], state: ["n": 10]) == [
                "n": 6
            ])
        #expect(try Fixture.run(#"{"decrement": {"target": "a.n"}}"#) == ["a": ["n": -1]])
    }

    @Test func incrementingANonNumberFails() throws {
        let error = try Fixture.failure(#"{"increment": {"target": "n"}}"#, state: ["n": ["x": 1]])
        #expect(error.code == .handlerFailed)
        #expect(error.message.contains("holds an object, not a number"))
        #expect(
            try Fixture.failure(#"{"increment": {"target": "n", "by": "$.data.q"}}"#, data: ["q": "2"]).message
                .contains("'by'"))
    }

    @Test func incrementAtAddsAtKeyAndNegativeByDecrements() throws {
        #expect(
            try Fixture.run(#"{"increment_at": {"target": "qty", "key": "$.data.sku"}}"#, data: ["sku": "a"]) == [
                "qty": ["a": 1]
            ])
        #expect(
            try Fixture.run(#"{"increment_at": {"target": "qty", "key": "a", "by": -2}}"#, state: ["qty": ["a": 5]])
                == ["qty": ["a": 3]])
    }
}
