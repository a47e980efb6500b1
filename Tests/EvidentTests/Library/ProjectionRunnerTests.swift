import Evident
import EvidentTesting
import Foundation
import Synchronization
import Testing

/// Counts events per stream; fails on the positions in `failing` (for the first `failures` tries of each).
final class CountingProjection: Projection {
    let name: String
    let filter: LogFilter
    private struct State {
        var counts: [String: Int] = [:]
        var applied: [Int64] = []
        var failing: Set<Int64>
        var failures: Int
        var tries: [Int64: Int] = [:]
    }

    private let state: Mutex<State>

    init(name: String = "counts", filter: LogFilter = .all, failing: Set<Int64> = [], failures: Int = .max) {
        self.name = name
        self.filter = filter
        state = Mutex(State(failing: failing, failures: failures))
    }

    struct Failure: Error, CustomStringConvertible {
        var position: Int64
        var description: String { "cannot project position \(position)" }
    }

    func apply(_ event: RecordedEvent) async throws {
        try state.withLock { state in
            if state.failing.contains(event.position) {
                state.tries[event.position, default: 0] += 1
                if state.tries[event.position]! <= state.failures { throw Failure(position: event.position) }
            }
            state.counts[event.stream.description, default: 0] += 1
            state.applied.append(event.position)
        }
    }

    func reset() async throws {
        state.withLock { state in
            state.counts = [:]
            state.applied = []
        }
    }

    func heal() { state.withLock { $0.failing = [] } }
    var counts: [String: Int] { state.withLock { $0.counts } }
    var applied: [Int64] { state.withLock { $0.applied } }
    func tries(_ position: Int64) -> Int { state.withLock { $0.tries[position] ?? 0 } }
}

@Suite("Projection runner")
struct ProjectionRunnerTests {
    static var quick: ProjectionRunnerConfiguration {
        var configuration = ProjectionRunnerConfiguration()
        configuration.retry = RetryPolicy(maximumAttempts: 3, initialBackoff: .milliseconds(1))
        configuration.pageSize = 4
        configuration.pollInterval = .milliseconds(20)
        return configuration
    }

    func seed(_ store: InMemoryEventStore, count: Int) async throws {
        for index in 0..<count {
            try await store.append(
                [NewEvent(type: index.isMultiple(of: 2) ? "was_even" : "was_odd")], to: StreamName("s:\(index % 3)"))
        }
    }

    @Test("catches up over several pages, reports lag, and rebuilds from zero")
    func catchUpAndRebuild() async throws {
        let store = InMemoryEventStore()
        try await seed(store, count: 10)
        let projection = CountingProjection()
        let runner = ProjectionRunner(
            store: store, consumer: CheckpointedConsumer(projection, checkpoints: InMemoryCheckpointStore()),
            configuration: Self.quick)
        #expect(try await runner.lag() == 10)
        #expect(try await runner.catchUp() == 10)
        #expect(projection.counts == ["s:0": 4, "s:1": 3, "s:2": 3])
        #expect(try await runner.status() == ProjectionStatus(name: "counts", checkpoint: 10, head: 10, parked: 0))
        try await seed(store, count: 2)
        #expect(try await runner.lag() == 2)
        #expect(try await runner.rebuild() == 12)
        #expect(projection.applied == Array(1...12))
    }

    @Test("a filtered projection's checkpoint still moves past events it does not want")
    func filtered() async throws {
        let store = InMemoryEventStore()
        try await seed(store, count: 9)
        let projection = CountingProjection(filter: LogFilter(eventTypes: ["was_odd"]))
        let runner = ProjectionRunner(
            store: store, consumer: CheckpointedConsumer(projection, checkpoints: InMemoryCheckpointStore()),
            configuration: Self.quick)
        try await runner.catchUp()
        #expect(projection.applied == [2, 4, 6, 8])
        #expect(try await runner.lag() == 0)
    }

    @Test("an event that fails a few times is retried and applied once")
    func retried() async throws {
        let store = InMemoryEventStore()
        try await seed(store, count: 6)
        let projection = CountingProjection(failing: [3], failures: 2)
        let runner = ProjectionRunner(
            store: store, consumer: CheckpointedConsumer(projection, checkpoints: InMemoryCheckpointStore()),
            configuration: Self.quick)
        try await runner.catchUp()
        #expect(projection.applied == [1, 2, 3, 4, 5, 6])
        #expect(try await runner.parkedEvents().isEmpty)
        #expect(projection.tries(3) == 3, "one batch try, then two single tries")
    }

    @Test("an event that keeps failing is parked with its error; the projection moves on; replay after a fix")
    func parkedAndReplayed() async throws {
        let store = InMemoryEventStore()
        try await seed(store, count: 6)
        let projection = CountingProjection(failing: [3])
        let runner = ProjectionRunner(
            store: store, consumer: CheckpointedConsumer(projection, checkpoints: InMemoryCheckpointStore()),
            configuration: Self.quick)
        try await runner.catchUp()
        #expect(projection.applied == [1, 2, 4, 5, 6])
        let parked = try await runner.parkedEvents()
        #expect(parked.map(\.position) == [3] && parked.first?.attempts == 3)
        #expect(parked.first?.error == "cannot project position 3" && parked.first?.stream.description == "s:2")
        let status = try await runner.status()
        #expect(status.lag == 0 && status.parked == 1)

        // Still failing: stays parked, with one more attempt.
        let still = try await runner.replayParked()
        #expect(still.map(\.position) == [3])
        #expect(try await runner.parkedEvents().first?.attempts == 4)
        projection.heal()
        #expect(try await runner.replayParked().isEmpty)
        #expect(projection.applied == [1, 2, 4, 5, 6, 3])
        #expect(try await runner.parkedEvents().isEmpty)
    }

    @Test("waitUntil returns once a running projection passes a position, and times out otherwise")
    func waitUntil() async throws {
        let store = InMemoryEventStore()
        let projection = CountingProjection()
        let runner = ProjectionRunner(
            store: store, consumer: CheckpointedConsumer(projection, checkpoints: InMemoryCheckpointStore()),
            configuration: Self.quick)
        let early = try await store.append([NewEvent(type: "was_early")], to: StreamName("early:1"))
        let timeout = await #expect(throws: ProjectionError.self) {
            try await runner.waitUntil(position: early.lastPosition, timeout: .milliseconds(50))
        }
        #expect(timeout?.code == .timedOut && timeout?.position == 1)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await runner.run() }
            for round in 1...20 {
                let result = try await store.append([NewEvent(type: "was_written")], to: StreamName("s:\(round)"))
                try await runner.waitUntil(position: result.lastPosition, timeout: .seconds(10))
                #expect(projection.counts["s:\(round)"] == 1, "read your writes")
            }
            await #expect(throws: ProjectionError.self) { try await runner.catchUp() }
            group.cancelAll()
            try await group.waitForAll()
        }
        #expect(try await runner.lag() == 0)
    }

    @Test("a reactor gets every event at least once, with its id, and is never rebuilt")
    func reactor() async throws {
        final class Collector: Reactor {
            let name = "collector"
            let ids = Mutex<[UUID]>([])
            func react(to event: RecordedEvent) async throws { ids.withLock { $0.append(event.id) } }
        }
        let store = InMemoryEventStore()
        try await seed(store, count: 5)
        let collector = Collector()
        let checkpoints = InMemoryCheckpointStore()
        let runner = ProjectionRunner(
            store: store, consumer: CheckpointedConsumer(collector, checkpoints: checkpoints), configuration: Self.quick
        )
        try await runner.catchUp()
        let all = try await store.readLog(after: 0, filter: .all, limit: 100)
        #expect(collector.ids.withLock { $0 } == all.map(\.id))
        // A second runner from the same checkpoint delivers nothing again.
        let again = ProjectionRunner(
            store: store, consumer: CheckpointedConsumer(collector, checkpoints: checkpoints), configuration: Self.quick
        )
        try await again.catchUp()
        #expect(collector.ids.withLock { $0.count } == 5)
        let error = await #expect(throws: ProjectionError.self) { try await runner.rebuild() }
        #expect(error?.code == .notRebuildable)
    }

    @Test("runProjection runs a projection over given typed events")
    func harness() async throws {
        let projection = CountingProjection(failing: [2])
        let run = try await runProjection(
            projection,
            over: [
                try GivenEvent("counter:a", CounterEvent.incremented(Incremented(by: 1))),
                try GivenEvent("counter:b", CounterEvent.incremented(Incremented(by: 2))),
                try GivenEvent("counter:a", CounterEvent.decremented(Decremented(by: 1))),
            ])
        #expect(projection.counts == ["counter:a": 2])
        #expect(run.parked.map(\.position) == [2] && run.status.lag == 0)
    }
}
