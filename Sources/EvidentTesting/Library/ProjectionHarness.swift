public import Evident
import Foundation

/// One event of a projection test: the stream it belongs to and the event.
public struct GivenEvent: Sendable {
    public var stream: StreamName
    public var event: NewEvent

    public init(_ stream: StreamName, _ event: NewEvent) {
        self.stream = stream
        self.event = event
    }

    /// A typed event of `stream` (`category:id`).
    public init(_ stream: String, _ event: some EventFamily) throws {
        self.init(try StreamName(stream), try event.newEvent())
    }
}

/// What running a projection over given events did.
public struct ProjectionRun: Sendable {
    /// The store the events were appended to.
    public var store: InMemoryEventStore
    /// The events the projection failed on after every retry.
    public var parked: [ParkedEvent]
    /// Where the projection stands (lag 0 after a run).
    public var status: ProjectionStatus
}

/// Runs `projection` over `events` (appended in order to a fresh ``InMemoryEventStore``) to the end, with
/// quick retries, and returns what happened. The projection's read model is then ready to check.
///
/// ```swift
/// let totals = CartTotals()
/// let run = try await runProjection(totals, over: [
///     try GivenEvent("cart:1", CartEvent.itemAdded(ItemAdded(sku: "apple", quantity: 2))),
/// ])
/// #expect(run.parked.isEmpty)
/// #expect(totals.items(in: "1") == 2)
/// ```
public func runProjection(
    _ projection: some Projection, over events: [GivenEvent],
    retry: RetryPolicy = RetryPolicy(maximumAttempts: 3, initialBackoff: .milliseconds(1))
) async throws -> ProjectionRun {
    let store = InMemoryEventStore()
    for given in events {
        try await store.append([given.event], to: given.stream)
    }
    var configuration = ProjectionRunnerConfiguration()
    configuration.retry = retry
    let runner = ProjectionRunner(
        store: store, consumer: CheckpointedConsumer(projection, checkpoints: InMemoryCheckpointStore()),
        configuration: configuration)
    try await runner.catchUp()
    return ProjectionRun(store: store, parked: try await runner.parkedEvents(), status: try await runner.status())
}
