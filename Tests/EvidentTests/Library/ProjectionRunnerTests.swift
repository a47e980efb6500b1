import Evident
import EvidentTesting
import Testing

@Suite("Projection runner")
struct ProjectionRunnerTests {
    @Test("runner contract", arguments: ProjectionRunnerContract.cases)
    func contract(_ check: ProjectionRunnerContract.Case) async throws {
        try await check.run {
            ProjectionRunnerContract.Subject(store: InMemoryEventStore(), checkpoints: InMemoryCheckpointStore())
        }
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
