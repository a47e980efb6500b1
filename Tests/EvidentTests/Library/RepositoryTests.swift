import Evident
import EvidentTesting
import Foundation
import Testing

@Suite("Repository")
struct RepositoryTests {
    @Test("handles a command: appends its events with the expected version and returns the new state")
    func handle() async throws {
        let store = InMemoryEventStore()
        let counters = Repository(store: store, decider: Counter(), category: "counter")
        let first = try await counters.handle(.increment(5), for: "a")
        #expect(first.events == [.incremented(Incremented(by: 5))])
        #expect(first.state == 5 && first.version == 1 && first.position == 1 && first.attempts == 1)
        let second = try await counters.handle(.decrement(2), for: "a")
        #expect(second.state == 3 && second.version == 2 && second.position == 2)
        #expect(try await counters.load("a").state == 3)
        let stored = try await store.readStream(StreamName("counter:a"))
        #expect(stored.map(\.type) == ["was_incremented", "was_decremented"])
    }

    @Test("a refused command throws the decider's error and appends nothing; an empty decision appends nothing")
    func refusedAndEmpty() async throws {
        let store = InMemoryEventStore()
        let counters = Repository(store: store, decider: Counter(), category: "counter")
        await #expect(throws: CounterError(message: "below zero")) {
            try await counters.handle(.decrement(1), for: "a")
        }
        let nothing = try await counters.handle(.increment(0), for: "a")
        #expect(nothing.events.isEmpty && nothing.version == 0 && nothing.position == 0)
        #expect(try await store.headPosition() == 0)
    }

    @Test("a version conflict re-decides against fresh state")
    func retryOnConflict() async throws {
        let store = InterruptedStore(interruptions: 2)
        let counters = Repository(store: store, decider: Counter(maximum: 10), category: "counter", maximumAttempts: 3)
        let result = try await counters.handle(.increment(8), for: "a")
        #expect(result.attempts == 3)
        #expect(result.state == 10 && result.version == 3, "the two interleaved increments were taken into account")
        // Now the fresh state refuses the command: re-deciding really uses the new state.
        let refusing = InterruptedStore(interruptions: 1)
        let strict = Repository(store: refusing, decider: Counter(maximum: 5), category: "counter")
        await #expect(throws: CounterError(message: "over 5")) { try await strict.handle(.increment(5), for: "b") }
    }

    @Test("after the maximum number of conflicts the version conflict is thrown")
    func retriesExhausted() async throws {
        let store = InterruptedStore(interruptions: 100)
        let counters = Repository(store: store, decider: Counter(), category: "counter", maximumAttempts: 4)
        let error = await #expect(throws: EventStoreError.self) { try await counters.handle(.increment(1), for: "a") }
        #expect(error?.code == .wrongExpectedVersion && error?.stream?.description == "counter:a")
        #expect(try await store.headPosition() == 4, "only the four interleaved events were written")
    }

    @Test("concurrent commands on one aggregate all succeed through retries, none lost")
    func concurrentCommands() async throws {
        let store = InMemoryEventStore()
        let counters = Repository(
            store: store, decider: Counter(maximum: 1_000), category: "counter", maximumAttempts: 50)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<16 {
                group.addTask { try await counters.handle(.increment(1), for: "busy") }
            }
            try await group.waitForAll()
        }
        let loaded = try await counters.load("busy")
        #expect(loaded.state == 16 && loaded.version == 16)
    }

    @Test("entity-style aggregates run through the same repository, with time travel")
    func aggregates() async throws {
        let store = InMemoryEventStore()
        let lists = Repository(store: store, decider: AggregateDecider<TodoList>(), category: "todo")
        try await lists.update("home") { try $0.add("dishes") }
        let before = Date()
        try await Task.sleep(for: .milliseconds(5))
        try await lists.update("home") { try $0.add("laundry") }
        let done = try await lists.update("home") { try $0.complete("dishes") }
        #expect(done.events == [.done(TaskDone(title: "dishes"))])
        #expect(done.state.open == ["laundry"] && done.state.done == ["dishes"] && done.state.pendingEvents.isEmpty)
        await #expect(throws: TodoError(title: "dishes")) {
            try await lists.update("home") { try $0.complete("dishes") }
        }

        let atOne = try await lists.load("home", at: .version(1))
        #expect(atOne.state.open == ["dishes"] && atOne.version == 1)
        let atInstant = try await lists.load("home", at: .recordedAt(before))
        #expect(atInstant.state.open == ["dishes"] && atInstant.version == 1)
    }

    @Test("deciders support time travel by version and instant")
    func deciderTimeTravel() async throws {
        let store = InMemoryEventStore()
        let counters = Repository(store: store, decider: Counter(), category: "counter")
        for by in 1...5 { try await counters.handle(.increment(by), for: "t") }
        #expect(try await counters.load("t", at: .version(2)).state == 3)
        #expect(try await counters.load("t", at: .version(0)).state == 0)
        #expect(try await counters.load("t", at: .recordedAt(Date(timeIntervalSince1970: 0))).version == 0)
        #expect(try await counters.load("t", at: .recordedAt(.now)).state == 15)
    }

    @Test("metadata passed to handle is stored on every event")
    func metadata() async throws {
        let store = InMemoryEventStore()
        let counters = Repository(store: store, decider: Counter(), category: "counter")
        let correlation = "checkout-7"
        try await counters.handle(
            .increment(1), for: "m",
            metadata: EventMetadata(actor: EntityReference(type: "user", id: "7"), correlationId: correlation))
        let event = try #require(try await store.readStream(StreamName("counter:m")).first)
        #expect(event.metadata.actor?.id == "7" && event.metadata.correlationId == correlation)
    }
}
