import Evident
import EvidentServices
import Logging
import ServiceLifecycle
import Synchronization
import Testing

final class Tally: Projection {
    let name = "tally"
    let count = Mutex(0)
    func apply(_ event: RecordedEvent) async throws { count.withLock { $0 += 1 } }
    func reset() async throws { count.withLock { $0 = 0 } }
}

@Suite("ProjectionService")
struct ProjectionServiceTests {
    @Test("runs a projection in a service group and stops on graceful shutdown")
    func gracefulShutdown() async throws {
        let store = InMemoryEventStore()
        let tally = Tally()
        var configuration = ProjectionRunnerConfiguration()
        configuration.pollInterval = .milliseconds(20)
        let runner = ProjectionRunner(
            store: store, consumer: CheckpointedConsumer(tally, checkpoints: InMemoryCheckpointStore()),
            configuration: configuration)
        let group = ServiceGroup(
            services: [ProjectionService(runner)], logger: Logger(label: "test"))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            var last: Int64 = 0
            for index in 1...10 {
                last = try await store.append([NewEvent(type: "was_counted")], to: StreamName("tally:\(index)"))
                    .lastPosition
            }
            try await runner.waitUntil(position: last, timeout: .seconds(10))
            #expect(tally.count.withLock { $0 } == 10)
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
        #expect(try await runner.lag() == 0)
    }
}
