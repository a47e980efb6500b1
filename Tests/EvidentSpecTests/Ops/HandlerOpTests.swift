import Evident
import EvidentSpec
import Testing

@Suite("HandlerOp: the one list of ops")
struct HandlerOpTests {
    /// One valid use of each op, and the state it gives from `{"n": 1, "l": [{"id": "x"}], "o": {}}`.
    static let samples: [HandlerOp: (arguments: String, state: String)] = [
        .set: (#"{"target": "n", "value": 5}"#, #"{"n": 5, "l": [{"id": "x"}], "o": {}}"#),
        .merge: (#"{"target": "o", "value": {"a": 1}}"#, #"{"n": 1, "l": [{"id": "x"}], "o": {"a": 1}}"#),
        .append: (#"{"target": "l", "value": 2}"#, #"{"n": 1, "l": [{"id": "x"}, 2], "o": {}}"#),
        .remove: (#"{"target": "l", "where": {"id": "x"}}"#, #"{"n": 1, "l": [], "o": {}}"#),
        .increment: (#"{"target": "n"}"#, #"{"n": 2, "l": [{"id": "x"}], "o": {}}"#),
        .decrement: (#"{"target": "n", "by": 3}"#, #"{"n": -2, "l": [{"id": "x"}], "o": {}}"#),
        .filter: (#"{"target": "l", "where": {"id": "y"}}"#, #"{"n": 1, "l": [], "o": {}}"#),
        .map: (#"{"target": "l", "value": "$item.id"}"#, #"{"n": 1, "l": ["x"], "o": {}}"#),
        .updateWhere: (
            #"{"target": "l", "where": {"id": "x"}, "merge": {"q": 1}}"#,
            #"{"n": 1, "l": [{"id": "x", "q": 1}], "o": {}}"#
        ),
        .upsert: (
            #"{"target": "l", "key": "id", "value": {"id": "y"}}"#,
            #"{"n": 1, "l": [{"id": "x"}, {"id": "y"}], "o": {}}"#
        ),
        .appendUnique: (#"{"target": "l", "value": {"id": "x"}}"#, #"{"n": 1, "l": [{"id": "x"}], "o": {}}"#),
        .setAt: (#"{"target": "o", "key": "k", "value": true}"#, #"{"n": 1, "l": [{"id": "x"}], "o": {"k": true}}"#),
        .mergeAt: (
            #"{"target": "o", "key": "k", "value": {"a": 1}}"#, #"{"n": 1, "l": [{"id": "x"}], "o": {"k": {"a": 1}}}"#
        ),
        .removeAt: (#"{"target": "", "key": "o"}"#, #"{"n": 1, "l": [{"id": "x"}]}"#),
        .incrementAt: (#"{"target": "o", "key": "k", "by": 2}"#, #"{"n": 1, "l": [{"id": "x"}], "o": {"k": 2}}"#),
        .conditional: (
            #"{"if": {"gt": ["@.n", 0]}, "then": {"set": {"target": "n", "value": 0}}}"#,
            #"{"n": 0, "l": [{"id": "x"}], "o": {}}"#
        ),
        .let: (
            #"{"bind": {"$first": "@.l.0.id"}, "in": [{"set": {"target": "n", "value": "$first"}}]}"#,
            #"{"n": "x", "l": [{"id": "x"}], "o": {}}"#
        ),
    ]

    @Test("every op parses under its JSON name and runs", arguments: HandlerOp.allCases)
    func everyOpParsesAndRuns(op: HandlerOp) throws {
        let sample = try #require(Self.samples[op], "no sample for '\(op.rawValue)'")
        let handler = #"{"\#(op.rawValue)": \#(sample.arguments)}"#
        #expect(try Fixture.handlerProblems(handler).isEmpty)
        let state = try Fixture.run(handler, state: .parse(#"{"n": 1, "l": [{"id": "x"}], "o": {}}"#))
        #expect(state == .parse(sample.state))
    }

    @Test func theOpsAreTheSeventeenOfTheHandlerLanguage() {
        #expect(
            HandlerOp.allCases.map(\.rawValue) == [
                "set", "merge", "append", "remove", "increment", "decrement", "filter", "map", "update_where",
                "upsert", "append_unique", "set_at", "merge_at", "remove_at", "increment_at", "conditional", "let",
            ])
        #expect(
            HandlerOp.allCases.allSatisfy { HandlerOp(rawValue: $0.rawValue) == $0 && $0.description == $0.rawValue })
    }

    @Test func anUnknownOpListsExactlyTheOps() throws {
        let problems = try Fixture.handlerProblems(#"[{"explode": {"target": "n"}}]"#)
        let problem = try #require(problems.first)
        #expect(problems.count == 1)
        #expect(problem.path == "aggregate_types.thing.events.happened.handler[0].explode")
        let prefix = "unknown op 'explode'; the ops are "
        #expect(problem.message.hasPrefix(prefix))
        let listed = problem.message.dropFirst(prefix.count).split(separator: ", ").map(String.init)
        #expect(listed == HandlerOp.allCases.map(\.rawValue))
    }

    @Test func onlyConditionalAndLetAreCompound() {
        #expect(HandlerOp.allCases.filter { !$0.isAtomic } == [.conditional, .let])
    }
}
