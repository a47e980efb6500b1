public import Evident
import Foundation
import Synchronization
import Testing

/// The contract of a ``ProjectionRunner`` driving store-agnostic projections and reactors
/// (``CheckpointedConsumer``) over a store, with their checkpoints and parked events in a ``CheckpointStore``:
/// paging, filters, retries, parking and replay, read-your-writes waits and reactors' durable checkpoints.
///
/// ```swift
/// @Test(arguments: ProjectionRunnerContract.cases)
/// func runner(_ check: ProjectionRunnerContract.Case) async throws {
///     try await check.run { ProjectionRunnerContract.Subject(store: InMemoryEventStore(), checkpoints: InMemoryCheckpointStore()) }
/// }
/// ```
public enum ProjectionRunnerContract {
    /// A fresh, empty store and where the checkpoints go (often the store itself).
    public struct Subject: Sendable {
        public var store: any EventStore
        public var checkpoints: any CheckpointStore

        public init(store: any EventStore, checkpoints: any CheckpointStore) {
            self.store = store
            self.checkpoints = checkpoints
        }
    }

    /// Makes a fresh subject.
    public typealias Factory = @Sendable () async throws -> Subject

    /// One property of the contract.
    public typealias Case = ContractCase<Factory>

    /// Every property of the contract.
    public static let cases: [Case] = [
        Case(name: "catches up over several pages, reports lag, and rebuilds from zero", body: catchUpAndRebuild),
        Case(name: "a filtered projection's checkpoint still moves past events it does not want", body: filtered),
        Case(name: "an event that fails a few times is retried and applied once", body: retried),
        Case(
            name: "an event that keeps failing is parked with its error; the projection moves on; replay after a fix",
            body: parkedAndReplayed),
        Case(
            name: "a replay request in the log is honoured once, by run() or replayRequested(), even when runners race",
            body: replayRequested),
        Case(
            name: "waitUntil returns once a running projection passes a position, and times out otherwise",
            body: waitUntil),
        Case(name: "a reactor gets every event at least once, with its id, and is never rebuilt", body: reactor),
    ]

    static var quick: ProjectionRunnerConfiguration {
        var configuration = ProjectionRunnerConfiguration()
        configuration.retry = RetryPolicy(maximumAttempts: 3, initialBackoff: .milliseconds(1))
        configuration.pageSize = 4
        configuration.pollInterval = .milliseconds(20)
        return configuration
    }

    static func seed(_ store: any EventStore, count: Int) async throws {
        for index in 0..<count {
            try await store.append(
                [NewEvent(type: index.isMultiple(of: 2) ? "was_even" : "was_odd")], to: StreamName("s:\(index % 3)"))
        }
    }

    static func makeRunner(_ subject: Subject, _ projection: CountingProjection) -> ProjectionRunner {
        ProjectionRunner(
            store: subject.store, consumer: CheckpointedConsumer(projection, checkpoints: subject.checkpoints),
            configuration: quick)
    }

    static func catchUpAndRebuild(_ factory: Factory) async throws {
        let subject = try await factory()
        try await seed(subject.store, count: 10)
        let projection = CountingProjection()
        let runner = makeRunner(subject, projection)
        #expect(try await runner.lag() == 10)
        #expect(try await runner.catchUp() == 10)
        #expect(projection.counts == ["s:0": 4, "s:1": 3, "s:2": 3])
        #expect(try await runner.status() == ProjectionStatus(name: "counts", checkpoint: 10, head: 10, parked: 0))
        try await seed(subject.store, count: 2)
        #expect(try await runner.lag() == 2)
        #expect(try await runner.rebuild() == 12)
        #expect(projection.applied == Array(1...12))
    }

    static func filtered(_ factory: Factory) async throws {
        let subject = try await factory()
        try await seed(subject.store, count: 9)
        let projection = CountingProjection(filter: LogFilter(eventTypes: ["was_odd"]))
        let runner = makeRunner(subject, projection)
        try await runner.catchUp()
        #expect(projection.applied == [2, 4, 6, 8])
        #expect(try await runner.lag() == 0)
    }

    static func retried(_ factory: Factory) async throws {
        let subject = try await factory()
        try await seed(subject.store, count: 6)
        let projection = CountingProjection(failing: [3], failures: 2)
        let runner = makeRunner(subject, projection)
        try await runner.catchUp()
        #expect(projection.applied == [1, 2, 3, 4, 5, 6])
        #expect(try await runner.parkedEvents().isEmpty)
        #expect(projection.tries(3) == 3, "one batch try, then two single tries")
    }

    static func parkedAndReplayed(_ factory: Factory) async throws {
        let subject = try await factory()
        try await seed(subject.store, count: 6)
        let projection = CountingProjection(failing: [3])
        let runner = makeRunner(subject, projection)
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

    static func replayRequested(_ factory: Factory) async throws {
        let subject = try await factory()
        let store = subject.store
        try await seed(store, count: 5)
        let projection = CountingProjection(failing: [2, 3])
        let runner = makeRunner(subject, projection)
        try await runner.catchUp()
        #expect(try await runner.parkedEvents().map(\.position) == [2, 3])
        #expect(try await runner.replayRequested() == nil, "no request yet")

        // Still failing: recorded as still parked.
        let first = try await ReplayRequest(consumer: runner.name, positions: [3], requestedBy: "k1").append(to: store)
        #expect(first.stream == ReplayRequest.stream(of: "counts") && first.stream.isSystem)
        #expect(
            try await runner.replayRequested()
                == ReplayCompletion(request: first.streamLength, replayed: [], stillParked: [3]))
        #expect(try await runner.replayRequested() == nil, "done once")

        // Two runners of the same consumer race: both may replay, only one records the completion.
        projection.heal()
        let second = try await ReplayRequest(consumer: runner.name, positions: [3]).append(to: store)
        let rival = makeRunner(subject, projection)
        async let mine = runner.replayRequested()
        async let theirs = rival.replayRequested()
        let completions = [try await mine, try await theirs].compactMap { $0 }
        #expect(completions.count == 1 && completions.first?.request == second.streamLength)
        #expect(try await store.readStream(second.stream).count == second.streamLength + 1, "one completion")
        #expect(projection.applied.contains(3))
        #expect(try await runner.parkedEvents().map(\.position) == [2])

        // A running runner honours a request for every parked event when it is caught up.
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await runner.run() }
            let third = try await ReplayRequest(consumer: runner.name).append(to: store)
            let deadline = ContinuousClock.now + .seconds(10)
            var state = try await ReplayState.latest(of: runner.name, in: store)
            while state?.completion == nil, ContinuousClock.now < deadline {
                try await store.waitForAppends(after: try await store.headPosition(), timeout: .milliseconds(100))
                state = try await ReplayState.latest(of: runner.name, in: store)
            }
            #expect(state?.requestEvent.version == third.streamLength && state?.request.positions == nil)
            #expect(state?.completion == ReplayCompletion(request: third.streamLength, replayed: [2], stillParked: []))
            group.cancelAll()
            try await group.waitForAll()
        }
        #expect(try await runner.parkedEvents().isEmpty)
        #expect(projection.applied.contains(2))
    }

    static func waitUntil(_ factory: Factory) async throws {
        let subject = try await factory()
        let store = subject.store
        let projection = CountingProjection()
        let runner = makeRunner(subject, projection)
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

    static func reactor(_ factory: Factory) async throws {
        final class Collector: Reactor {
            let name = "collector"
            let ids = Mutex<[UUID]>([])
            func react(to event: RecordedEvent) async throws { ids.withLock { $0.append(event.id) } }
        }
        let subject = try await factory()
        try await seed(subject.store, count: 5)
        let collector = Collector()
        func collectorRunner() -> ProjectionRunner {
            ProjectionRunner(
                store: subject.store, consumer: CheckpointedConsumer(collector, checkpoints: subject.checkpoints),
                configuration: quick)
        }
        let first = collectorRunner()
        try await first.catchUp()
        let all = try await subject.store.readLog(after: 0, filter: .all, limit: 100)
        #expect(collector.ids.withLock { $0 } == all.map(\.id))
        // A second runner from the same checkpoint delivers nothing again.
        try await collectorRunner().catchUp()
        #expect(collector.ids.withLock { $0.count } == 5)
        let error = await #expect(throws: ProjectionError.self) { try await first.rebuild() }
        #expect(error?.code == .notRebuildable)
    }
}
