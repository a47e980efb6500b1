import Evident
import EvidentSpec
import Testing

@Suite("Spec validation")
struct SpecValidationTests {
    @Test func tenDistinctMistakesGiveTenProblemsWithTheirPaths() throws {
        let problems = try Fixture.problems(
            #"""
            {"spec": {
              "aggregate_types": {
                "Order": {"events": {}},
                "order": {"events": {
                  "was_placed": {
                    "schema": {"type": "object"},
                    "handler": [
                      {"set": {"target": 42, "value": "$.data"}},
                      {"explode": {}},
                      {"append": {"target": "items"}},
                      {"increment": {"target": "n", "by": "lots"}},
                      {"set": {"target": "x", "value": "$.foo"}},
                      {"set": {"target": "y", "value": "$total"}}
                    ],
                    "implications": [{"emit": {"aggregate_type": "invoice", "id": "$.id", "event_type": "was_raised"}}]
                  },
                  "Was-Cancelled": {"schema": {}, "handler": []}
                }}
              },
              "agent_types": ["user"],
              "colour": "blue"
            }}
            """#)
        let base = "aggregate_types.order.events.was_placed"
        #expect(
            problems.map(\.path).sorted()
                == [
                    "aggregate_types.Order",
                    "aggregate_types.order.events.Was-Cancelled",
                    "\(base).handler[0].set.target",
                    "\(base).handler[1].explode",
                    "\(base).handler[2].append",
                    "\(base).handler[3].increment.by",
                    "\(base).handler[4].set.value",
                    "\(base).handler[5].set.value",
                    "\(base).implications[0].emit.aggregate_type",
                    "colour",
                ].sorted())
        #expect(problems.count == 10)
        for problem in problems { #expect(!problem.message.isEmpty) }
    }

    @Test func missingRequiredPartsAreReported() throws {
        let problems = try Fixture.problems(
            #"{"aggregate_types": {"a": {"events": {"e": {"handler": []}, "f": {"schema": {}}}}}}"#)
        #expect(
            problems.map(\.path) == ["agent_types", "aggregate_types.a.events.e", "aggregate_types.a.events.f"])
        #expect(
            try Fixture.problems(#"{"agent_types": ["user"]}"#).map(\.message).first?.contains("aggregate_types")
                == true)
        #expect(try Fixture.problems("[1]").count == 1)
    }

    @Test func wrongArgumentTypesAndUnknownArgumentsAreReported() throws {
        let problems = try Fixture.handlerProblems(
            #"[{"merge": {"target": "a", "value": {}, "deep": "yes"}}, {"set": {"target": "a", "value": 1, "extra": 1}}, {"upsert": {"target": "a", "key": 1, "value": {}}}, {"map": {"target": "a", "value": 1, "as": "1x"}}, {"conditional": {"if": {"exists": "@"}, "then": 5}}, {"let": {"bind": [], "in": []}}, "set", {"set": 1}]"#
        )
        let base = "aggregate_types.thing.events.happened.handler"
        #expect(
            problems.map(\.path) == [
                "\(base)[0].merge.deep", "\(base)[1].set.extra", "\(base)[2].upsert.key", "\(base)[3].map.as",
                "\(base)[4].conditional.then", "\(base)[5].let.bind", "\(base)[6]", "\(base)[7].set",
            ])
    }

    @Test func targetsMustBePlainPaths() throws {
        let problems = try Fixture.handlerProblems(
            #"[{"set": {"target": "@.a", "value": 1}}, {"set": {"target": "a..b", "value": 1}}, {"remove": {"target": ""}}]"#
        )
        #expect(problems.count == 3)
    }

    @Test func implicationTargetsMustExist() throws {
        let problems = try Fixture.problems(
            #"""
            {"aggregate_types": {"a": {"events": {"e": {"schema": {}, "handler": [], "implications": [
                {"emit": {"aggregate_type": "a", "id": "$.id", "event_type": "nope"}},
                {"map": {"over": "$.data.xs", "as": "$x", "emit": {"aggregate_type": "a", "id": "$x.id", "event_type": "e"}}},
                {"map": {"over": "plain", "emit": {"aggregate_type": "a", "id": "$item", "event_type": "e"}}},
                {"emit": {"aggregate_type": "a", "id": "$x", "event_type": "e"}}
            ]}}}}, "agent_types": ["user"]}
            """#)
        #expect(
            problems.map(\.path) == [
                "aggregate_types.a.events.e.implications[0].emit.event_type",
                "aggregate_types.a.events.e.implications[2].map.over",
                "aggregate_types.a.events.e.implications[3].emit.id",
            ])
    }

    @Test func topLevelListsAndModulesAreChecked() throws {
        let problems = try Fixture.problems(
            #"{"aggregate_types": {"a": {"events": {}}}, "agent_types": [], "target_types": "a", "singletons": ["Bad Name"], "modules": {"cache": ["b"]}}"#
        )
        #expect(problems.map(\.path) == ["agent_types", "target_types", "singletons[0]", "modules.cache[0]"])
    }

    @Test func commentsAreAllowedAtSpecAggregateAndEventLevel() throws {
        let spec = try CompiledSpec(
            JSON.parse(
                #"{"$comment": "shop", "aggregate_types": {"a": {"$comment": "x", "events": {"e": {"$comment": "y", "schema": {}, "handler": []}}}}, "agent_types": ["user"]}"#
            ))
        #expect(spec.aggregateType("a")?.eventTypes == ["e"])
    }

    @Test func keysBesideTheWrapperAreProblems() throws {
        let problems = try Fixture.problems(
            #"{"spec": {"aggregate_types": {"a": {"events": {}}}, "agent_types": ["user"]}, "version": 2}"#)
        #expect(problems.map(\.path) == ["version"])
    }

    @Test func malformedJSONIsOneProblem() {
        #expect(throws: SpecValidationError.self) { try CompiledSpec(parsing: "{") }
    }

    @Test func contentHashIsStableAndIgnoresTheWrapperAndKeyOrder() throws {
        let bare = try CompiledSpec(parsing: #"{"agent_types": ["user"], "aggregate_types": {"a": {"events": {}}}}"#)
        let wrapped = try CompiledSpec(
            parsing: #"{"spec": {"aggregate_types": {"a": {"events": {}}}, "agent_types": ["user"]}}"#)
        #expect(bare.contentHash == wrapped.contentHash)
        #expect(bare.contentHash.count == 64)
        let other = try CompiledSpec(parsing: #"{"agent_types": ["admin"], "aggregate_types": {"a": {"events": {}}}}"#)
        #expect(other.contentHash != bare.contentHash)
    }

    @Test(.enabled(if: SchemaSupport.validatorIsReal))
    func invalidSchemasAreReportedUnderTheSchemaPath() throws {
        let problems = try Fixture.problems(
            #"{"aggregate_types": {"a": {"events": {"e": {"schema": {"type": 12}, "handler": []}}}}, "agent_types": ["user"]}"#
        )
        #expect(problems.first?.path.hasPrefix("aggregate_types.a.events.e.schema") == true)
    }
}

/// Whether the JSON Schema validator is the real one rather than the placeholder that accepts everything.
enum SchemaSupport {
    static let validatorIsReal: Bool = {
        guard let schema = try? JSONSchema(compiling: ["type": "string"]) else { return true }
        return !schema.validate(1).isEmpty
    }()
}
