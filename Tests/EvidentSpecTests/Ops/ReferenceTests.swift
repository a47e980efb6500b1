import Evident
import EvidentSpec
import Foundation
import Testing

@Suite("References and templates")
struct ReferenceTests {
    /// The value `value` evaluates to.
    func evaluate(_ value: String, data: JSON = [:], state: JSON = [:], metadata: EventMetadata = EventMetadata())
        throws -> JSON?
    {
        let spec = try Fixture.spec(handler: #"{"set": {"target": "out", "value": \#(value)}}"#)
        let result = try spec.aggregateType("thing")!.apply(
            Fixture.event(data: data, version: 4, metadata: metadata), to: state)
        return result["out"]
    }

    @Test func eventReferences() throws {
        let metadata = EventMetadata(
            actor: EntityReference(type: "user", id: "global"), target: EntityReference(type: "thing", id: "webhook"),
            extra: ["source": "api"])
        #expect(try evaluate(#""$.data.a.b""#, data: ["a": ["b": 1]]) == 1)
        #expect(try evaluate(#""$.data.xs.1""#, data: ["xs": [1, 2]]) == 2)
        #expect(try evaluate(#""$.type""#) == "happened")
        #expect(try evaluate(#""$.version""#) == 4)
        #expect(try evaluate(#""$.key""#) == .string("thing:\(Fixture.aggregateID)"))
        #expect(try evaluate(#""$.id""#) == .string(Fixture.aggregateID))
        #expect(try evaluate(#""$.metadata.timestamp""#) == 1_700_000_000)
        #expect(try evaluate(#""$.metadata.actor""#, metadata: metadata) == ["type": "user", "id": "global"])
        #expect(try evaluate(#""$.metadata.actor.type""#, metadata: metadata) == "user")
        #expect(try evaluate(#""$.metadata.target.id""#, metadata: metadata) == "webhook")
        #expect(try evaluate(#""$.metadata.source""#, metadata: metadata) == "api")
        #expect(try evaluate(#""$.metadata""#, metadata: metadata)?["timestamp"] == 1_700_000_000)
    }

    @Test func stateReferences() throws {
        #expect(try evaluate(#""@""#, state: ["a": 1]) == ["a": 1])
        #expect(try evaluate(#""@.a.0""#, state: ["a": ["x"]]) == "x")
    }

    @Test func referencesThatCanNeverResolveAreProblems() throws {
        let cases = [
            #""$.foo""#, #""$.key.x""#, #""$.metadata.actor.name""#, #""$undefined""#, #""@name""#, #""$.data..a""#,
            #""$.data.a?.b""#, #"{"$": "plain"}"#, #"{"$nope": 1}"#, #"{"$add": [1]}"#,
        ]
        for value in cases {
            let problems = try Fixture.handlerProblems(#"{"set": {"target": "out", "value": \#(value)}}"#)
            #expect(problems.count == 1, "\(value)")
            #expect(
                problems.first?.path.hasPrefix("aggregate_types.thing.events.happened.handler.set.value") == true,
                "\(value)")
        }
    }

    @Test func stringsThatAreNotReferencesAreLiterals() throws {
        #expect(try evaluate(#""$5 off""#) == "$5 off")
        #expect(try evaluate(#""plain""#) == "plain")
        #expect(try evaluate(#"{"$literal": "$.data.a"}"#) == "$.data.a")
        #expect(try evaluate(#"{"$literal": {"$add": 1}}"#) == ["$add": 1])
    }

    @Test func templates() throws {
        #expect(try evaluate(#"{"$": "$.data.a"}"#, data: ["a": 3]) == 3)
        #expect(
            try evaluate(#"{"id": "$.data.a", "tags": ["x", "$.data.a"]}"#, data: ["a": 3]) == [
                "id": 3, "tags": ["x", 3],
            ])
        #expect(try evaluate(#"{"$merge": ["$.data", {"b": 2}, null]}"#, data: ["a": 1, "b": 1]) == ["a": 1, "b": 2])
        #expect(try evaluate(#"{"$add": [1, 2]}"#) == 3)
        #expect(try evaluate(#"{"$add": [1, 0.5]}"#) == 1.5)
        #expect(try evaluate(#"{"$subtract": ["$.data.a", 1]}"#, data: ["a": 3]) == 2)
        #expect(try evaluate(#"{"$multiply": [2, 2.5]}"#) == 5)
        #expect(try evaluate(#"{"$concat": ["order-", "$.version", "-", true]}"#) == "order-4-true")
        #expect(try evaluate(#"{"$concat": [[1], [2, 3]]}"#) == [1, 2, 3])
        #expect(
            try evaluate(#"{"$coalesce": ["$.data.nick", "$.data.name", "anonymous"]}"#, data: ["name": "Ann"]) == "Ann"
        )
        #expect(try evaluate(#"{"$coalesce": ["$.data.nick", null]}"#) == .null)
        #expect(try evaluate(#"{"$length": "$.data.xs"}"#, data: ["xs": [1, 2]]) == 2)
        #expect(try evaluate(#"{"$length": "héllo"}"#) == 5)
        #expect(try evaluate(#"{"$length": {"$literal": {"a": 1}}}"#) == 1)
    }

    @Test func templateErrors() throws {
        #expect(
            try Fixture.failure(#"{"set": {"target": "o", "value": {"$add": ["a", 1]}}}"#).message.contains(
                "needs two numbers"))
        #expect(
            try Fixture.failure(#"{"set": {"target": "o", "value": {"$merge": [1]}}}"#).message.contains(
                "merges objects"))
        #expect(
            try Fixture.failure(#"{"set": {"target": "o", "value": {"$length": 1}}}"#).message.contains("'$length'"))
        #expect(
            try Fixture.failure(#"{"set": {"target": "o", "value": {"$concat": ["a", null]}}}"#).message.contains(
                "'$concat'"))
    }
}
