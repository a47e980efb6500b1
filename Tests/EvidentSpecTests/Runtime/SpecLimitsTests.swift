import Evident
import EvidentSpec
import Foundation
import Testing

/// The attacks found against the server, and each limit at and just over its value. No time is asserted (a
/// busy two-core machine): each refusal's code proves the limit stopped the work, since the work left alone
/// would end otherwise (a match that fails, a state that keeps growing).
@Suite("Limits on the work of one event")
struct SpecLimitsTests {
    static let probeText = #"""
        {"agent_types": ["user"], "aggregate_types": {
          "probe": {"events": {
            "was_tagged": {"schema": {"type": "object", "properties": {"tag": {"type": "string", "pattern": "a.*a.*a.*!"}}}, "handler": []},
            "was_not_tagged": {"schema": {"type": "object", "properties": {"tag": {"not": {"pattern": "a.*a.*a.*!"}}}}, "handler": []},
            "items_were_tagged": {"schema": {"type": "object", "properties": {"items": {"type": "array", "items": {"type": "string", "pattern": "^(a+)+$"}}}}, "handler": []},
            "was_doubled": {"schema": {}, "handler": {"set": {"target": "", "value": {"l": "@", "r": "@"}}}},
            "list_was_doubled": {"schema": {}, "handler": {"set": {"target": "list", "value": {"$concat": [{"$coalesce": ["@.list", [1]]}, {"$coalesce": ["@.list", [1]]}]}}}},
            "blob_was_set": {"schema": {"type": "object", "required": ["blob"]}, "handler": {"set": {"target": "blob", "value": "$.data.blob"}}},
            "was_noted": {"schema": {}, "handler": {"increment": {"target": "notes"}}},
            "notes_were_sent": {"schema": {}, "handler": [],
              "implications": [{"map": {"over": "$.data.ids", "as": "$id", "emit": {"aggregate_type": "probe", "id": "$id", "event_type": "was_noted"}}}]},
            "was_fanned_out": {"schema": {}, "handler": [],
              "implications": [{"map": {"over": "$.data.ids", "as": "$id", "emit": {"aggregate_type": "relay", "id": "$id", "event_type": "was_fanned_out", "data": {"ids": "$.data.ids"}}}}]}
          }},
          "relay": {"events": {
            "was_fanned_out": {"schema": {}, "handler": [],
              "implications": [{"map": {"over": "$.data.ids", "as": "$id", "emit": {"aggregate_type": "probe", "id": "$id", "event_type": "was_fanned_out", "data": {"ids": "$.data.ids"}}}}]}
          }}
        }}
        """#

    static let probeID = "0b6f6a3c-6a89-4a4e-9a0b-3f2f2a8f6c11"

    static func probe(_ limits: SpecLimits = .standard) throws -> CompiledSpec {
        try CompiledSpec(parsing: probeText, limits: limits)
    }

    static func event(_ type: String, data: JSON = [:], version: Int = 1) -> SpecEvent {
        SpecEvent(type: type, data: data, aggregateType: "probe", aggregateID: probeID, version: version)
    }

    /// The code `event` is refused with on an empty aggregate, nil when it is accepted.
    static func refusal(_ spec: CompiledSpec, _ event: SpecEvent) -> SpecError? {
        do {
            _ = try spec.apply(event, to: [:])
            return nil
        } catch {
            return error
        }
    }

    static func ids(_ count: Int) -> JSON {
        .array((0..<count).map { _ in .string(UUID().uuidString.lowercased()) })
    }

    // MARK: Pattern matching

    @Test(arguments: [400, 1_000])
    func aBacktrackingPatternIsRefusedWithinItsBudget(length: Int) throws {
        let spec = try Self.probe()
        let error = Self.refusal(
            spec, Self.event("was_tagged", data: ["tag": .string(String(repeating: "a", count: length))]))
        #expect(error?.code == .patternTooExpensive)
        #expect(error?.specPath == "aggregate_types.probe.events.was_tagged.schema")
        #expect(error?.message.contains("10 ms (patternMatchBudget)") == true, "\(error?.message ?? "")")
        #expect(error?.message.contains("data.tag") == true)
        #expect(error?.message.contains("aaaa") == false, "the message holds no event data")
        #expect(error?.violations == [])
    }

    @Test func aNestedQuantifierInArrayItemsIsRefused() throws {
        let items = JSON.array(Array(repeating: .string(String(repeating: "a", count: 40) + "b"), count: 25))
        let error = Self.refusal(try Self.probe(), Self.event("items_were_tagged", data: ["items": items]))
        #expect(error?.code == .patternTooExpensive)
        #expect(error?.message.contains("data.items[0]") == true, "\(error?.message ?? "")")
    }

    @Test func anInterruptedMatchIsNeverTakenAsValid() throws {
        // Under `not`, a match that stopped early would read as "does not match", so as valid.
        let data: JSON = ["tag": .string(String(repeating: "a", count: 1_000))]
        #expect(Self.refusal(try Self.probe(), Self.event("was_not_tagged", data: data))?.code == .patternTooExpensive)

        let schema = try JSONSchema(compiling: ["not": ["pattern": "a.*a.*a.*!"]])
        let violations = schema.validate(data["tag"]!)
        #expect(violations.map(\.keyword) == ["pattern"])
        #expect(violations.first?.message.contains("patternMatchBudget") == true)
        #expect(!schema.isValid(data["tag"]!))
    }

    @Test func ordinaryPatternsPassWithinTheBudget() throws {
        let spec = try Self.probe()
        #expect(Self.refusal(spec, Self.event("was_tagged", data: ["tag": "a, a and a!"])) == nil)
        #expect(Self.refusal(spec, Self.event("items_were_tagged", data: ["items": ["a", "aaaa"]])) == nil)
        #expect(Self.refusal(spec, Self.event("was_tagged", data: ["tag": "no"]))?.code == .invalidData)
    }

    @Test func theBudgetDecidesBetweenAnAnswerAndARefusal() throws {
        // A value that takes some milliseconds of backtracking before it fails to match.
        let slow = Self.event("was_tagged", data: ["tag": .string(String(repeating: "a", count: 100))])
        var generous = SpecLimits()
        generous.patternMatchBudget = .seconds(60)
        #expect(Self.refusal(try Self.probe(generous), slow)?.code == .invalidData)
        var tight = SpecLimits()
        tight.patternMatchBudget = .microseconds(100)
        let refused = Self.refusal(try Self.probe(tight), slow)
        #expect(refused?.code == .patternTooExpensive)
        #expect(refused?.message.contains("0.1 ms (patternMatchBudget)") == true, "\(refused?.message ?? "")")
    }

    // MARK: Deadline and cancellation

    @Test func aPassedDeadlineRefusesTheEvent() throws {
        let spec = try Self.probe()
        let error = SpecLimits.$deadline.withValue(.now - .seconds(1)) { Self.refusal(spec, Self.event("was_noted")) }
        #expect(error?.code == .deadlineExceeded)
        let later = SpecLimits.$deadline.withValue(.now + .seconds(60)) { Self.refusal(spec, Self.event("was_noted")) }
        #expect(later == nil)
    }

    @Test func theDeadlineStopsALongMatch() throws {
        var limits = SpecLimits()
        limits.patternMatchBudget = .seconds(600)
        let spec = try Self.probe(limits)
        let event = Self.event("was_tagged", data: ["tag": .string(String(repeating: "a", count: 1_000))])
        let error = SpecLimits.$deadline.withValue(.now + .milliseconds(50)) { Self.refusal(spec, event) }
        #expect(error?.code == .deadlineExceeded)
    }

    @Test func cancellationStopsALongMatch() async throws {
        var limits = SpecLimits()
        limits.patternMatchBudget = .seconds(600)
        let spec = try Self.probe(limits)
        let event = Self.event("was_tagged", data: ["tag": .string(String(repeating: "a", count: 1_000))])
        let task = Task { Self.refusal(spec, event) }
        try await Task.sleep(for: .milliseconds(50))
        task.cancel()
        #expect(await task.value?.code == .deadlineExceeded)
    }

    // MARK: State size

    @Test func theStateAtTheLimitIsAcceptedAndOneByteOverIsRefused() throws {
        var limits = SpecLimits()
        limits.maximumStateBytes = 4_096
        let spec = try Self.probe(limits)
        // The state {"blob":"…"} is 11 bytes of JSON around the string.
        let fits = Self.event("blob_was_set", data: ["blob": .string(String(repeating: "x", count: 4_096 - 11))])
        #expect(try spec.apply(fits, to: [:]).serializedSize() == 4_096)
        let over = Self.event("blob_was_set", data: ["blob": .string(String(repeating: "x", count: 4_096 - 10))])
        let error = Self.refusal(spec, over)
        #expect(error?.code == .stateTooLarge)
        #expect(
            error?.message.contains("over the limit of 4,096 (maximumStateBytes)") == true, "\(error?.message ?? "")")
        #expect(error?.message.contains("probe:\(Self.probeID)") == true)
        #expect(error?.message.contains("xxxx") == false, "the message holds no event data")
    }

    @Test func aDoublingStateIsRefusedOnTheEventThatCrossesTheLimit() throws {
        let probe = try Self.probe().aggregateType("probe")!
        let limit = SpecLimits.standard.maximumStateBytes
        var state: JSON = [:]
        var refusal: SpecError?
        var accepted = 0
        while refusal == nil && accepted < 40 {
            do {
                state = try probe.apply(Self.event("was_doubled", version: accepted + 1), to: state)
                accepted += 1
                #expect(state.serializedSize(limit: limit) <= limit)
            } catch {
                refusal = error
            }
        }
        #expect(refusal?.code == .stateTooLarge)
        #expect(refusal?.message.contains("1,048,577+ bytes") == true, "\(refusal?.message ?? "")")
        let wouldBe: JSON = ["l": state, "r": state]
        #expect(wouldBe.serializedSize(limit: limit) > limit, "refused only once the state crosses the limit")
        #expect(accepted == 16)

        // Folding stored events leaves the size to the reader, who checks the state a fold ends with.
        let events = (1...20).map { Self.event("was_doubled", version: $0) }
        let folded = probe.fold(events)
        #expect(folded.errors.isEmpty)
        #expect(folded.state.serializedSize(limit: limit) > limit)
    }

    // MARK: Handler steps

    @Test func handlerStepsAtAndJustOverTheLimit() throws {
        var limits = SpecLimits()
        limits.maximumHandlerSteps = 11
        let thing = try Fixture.spec(handler: #"{"map": {"target": "items", "value": "$item"}}"#, limits: limits)
            .aggregateType("thing")!
        // One step for the op, one for each element it visits.
        let ten: JSON = ["items": .array((0..<10).map { .int($0) })]
        let eleven: JSON = ["items": .array((0..<11).map { .int($0) })]
        #expect(try thing.apply(Fixture.event(), to: ten) == ten)
        let error = #expect(throws: SpecError.self) { try thing.apply(Fixture.event(), to: eleven) }
        #expect(error?.code == .handlerTooExpensive)
        #expect(error?.specPath == "aggregate_types.thing.events.happened.handler")
        #expect(error?.message.contains("more than 11 steps (maximumHandlerSteps)") == true, "\(error?.message ?? "")")

        // Stored events are held to the same limit, each event with all its steps.
        let events = [Fixture.event(version: 1), Fixture.event(version: 2)]
        #expect(thing.fold(events, onto: FoldResult(state: ten)).errors.isEmpty)
        let over = thing.fold(events, onto: FoldResult(state: eleven))
        #expect(over.errors.map(\.error.code) == [.handlerTooExpensive, .handlerTooExpensive])
        #expect(over.errors.map(\.version) == [1, 2])
        #expect(over.state == eleven)
    }

    @Test func requiresCountsWithTheHandler() throws {
        var limits = SpecLimits()
        limits.maximumHandlerSteps = 10
        let thing = try Fixture.spec(
            handler: "[]", requires: #"{"in": [1, "@.items"]}"#, limits: limits
        ).aggregateType("thing")!
        #expect(try thing.apply(Fixture.event(), to: ["items": .array((0..<10).map { .int($0) })]) != [:])
        let error = #expect(throws: SpecError.self) {
            try thing.apply(Fixture.event(), to: ["items": .array((0..<11).map { .int($0) })])
        }
        #expect(error?.code == .handlerTooExpensive)
        #expect(error?.specPath == "aggregate_types.thing.events.happened.requires")
    }

    @Test func concatenatingAListWithItselfIsStopped() throws {
        // One event per doubling: the event that would build 2^17 elements takes more than 100,000 steps.
        let probe = try Self.probe().aggregateType("probe")!
        var state: JSON = [:]
        var refusal: SpecError?
        var accepted = 0
        while refusal == nil && accepted < 40 {
            do {
                state = try probe.apply(Self.event("list_was_doubled", version: accepted + 1), to: state)
                accepted += 1
            } catch {
                refusal = error
            }
        }
        #expect(refusal?.code == .handlerTooExpensive)
        #expect(refusal?.message.contains("100,000 steps") == true, "\(refusal?.message ?? "")")
        #expect(accepted == 16)
        #expect(state["list"]?.array?.count == 65_536)

        // Many doublings in one handler.
        let double = #"{"set": {"target": "list", "value": {"$concat": ["@.list", "@.list"]}}}"#
        let thing = try Fixture.spec(handler: "[" + Array(repeating: double, count: 40).joined(separator: ",") + "]")
            .aggregateType("thing")!
        let error = #expect(throws: SpecError.self) { try thing.apply(Fixture.event(), to: ["list": [1]]) }
        #expect(error?.code == .handlerTooExpensive)
        #expect(error?.specPath?.hasPrefix("aggregate_types.thing.events.happened.handler[") == true)
    }

    @Test func concatenatedTextCountsByTheByte() throws {
        var limits = SpecLimits()
        limits.maximumHandlerSteps = 100
        let thing = try Fixture.spec(
            handler: #"{"set": {"target": "text", "value": {"$concat": ["$.data.text", "$.data.text"]}}}"#,
            limits: limits
        ).aggregateType("thing")!
        // One step for the op, one per 64 bytes of the text built.
        let fits = String(repeating: "x", count: 99 * 32)
        #expect(
            try thing.apply(Fixture.event(data: ["text": .string(fits)]), to: [:])["text"]?.string?.count == 99 * 64)
        let error = #expect(throws: SpecError.self) {
            try thing.apply(Fixture.event(data: ["text": .string(fits + String(repeating: "x", count: 32))]), to: [:])
        }
        #expect(error?.code == .handlerTooExpensive)
        #expect(error?.message.contains("xxxx") == false)
    }

    // MARK: Implied events

    @Test func impliedEventsAtAndJustOverTheLimit() async throws {
        var limits = SpecLimits()
        limits.maximumImpliedEvents = 10
        let spec = try Self.probe(limits)
        let atLimit = Self.event("notes_were_sent", data: ["ids": Self.ids(10)])
        let planned = try await spec.impliedEvents(of: atLimit, stateAfter: [:]) { _, _ in ([:], 0) }
        #expect(planned.count == 10)

        var loads = 0
        let over = Self.event("notes_were_sent", data: ["ids": Self.ids(11)])
        let error = await #expect(throws: SpecError.self) {
            try await spec.impliedEvents(of: over, stateAfter: [:]) { _, _ in
                loads += 1
                return ([:], 0)
            }
        }
        #expect(error?.code == .tooManyImpliedEvents)
        #expect(error?.message.contains("more than 10 (maximumImpliedEvents)") == true, "\(error?.message ?? "")")
        #expect(error?.specPath == "aggregate_types.probe.events.notes_were_sent.implications[0].map")
        #expect(loads == 0, "refused while planning, before any implied event is checked")

        let direct = #expect(throws: SpecError.self) {
            try spec.aggregateType("probe")!.implications(of: over, stateAfter: [:])
        }
        #expect(direct?.code == .tooManyImpliedEvents)
    }

    @Test func aFanOutPassedOnLevelAfterLevelStopsAtTheLimit() async throws {
        // 8 ids, each implied event implying 8 more: 8, 64, 512, 4,096… Refused once past 1,000.
        let spec = try Self.probe()
        let event = Self.event("was_fanned_out", data: ["ids": Self.ids(8)])
        var loads = 0
        let error = await #expect(throws: SpecError.self) {
            try await spec.impliedEvents(of: event, stateAfter: [:]) { _, _ in
                loads += 1
                return ([:], 0)
            }
        }
        #expect(error?.code == .tooManyImpliedEvents)
        #expect(error?.message.contains("1,000") == true)
        #expect(loads <= 16, "each aggregate is loaded once")
    }

    @Test func aPassedDeadlineStopsPlanning() async throws {
        let spec = try Self.probe()
        let event = Self.event("notes_were_sent", data: ["ids": Self.ids(3)])
        let error = await #expect(throws: SpecError.self) {
            try await SpecLimits.$deadline.withValue(.now - .seconds(1)) {
                try await spec.impliedEvents(of: event, stateAfter: [:]) { _, _ in ([:], 0) }
            }
        }
        #expect(error?.code == .deadlineExceeded)
    }

    @Test func theLimitsAreThoseOfTheSpec() throws {
        var limits = SpecLimits()
        limits.maximumHandlerSteps = 7
        let spec = try Self.probe(limits)
        #expect(spec.limits == limits)
        #expect(spec.aggregateType("relay")?.limits == limits)
        #expect(try Self.probe().limits == .standard)
        #expect(
            SpecLimits.standard.patternMatchBudget == .milliseconds(10)
                && SpecLimits.standard.maximumStateBytes == 1 << 20
                && SpecLimits.standard.maximumImpliedEvents == 1_000
                && SpecLimits.standard.maximumHandlerSteps == 100_000)
    }
}
