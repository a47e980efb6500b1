public import Evident
public import ServiceLifecycle

/// A projection or reactor runner as a `Service`: it catches up and follows the log until the service group
/// shuts down, then stops gracefully (the batch under way is committed or rolled back, never half-applied).
///
/// This module exists so that only applications that run services depend on swift-service-lifecycle.
///
/// ```swift
/// let group = ServiceGroup(
///     services: [ProjectionService(store.projectionRunner(for: CartSummaries())),
///                ProjectionService(store.runner(for: TransferProcess(accounts: accounts)))],
///     gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
/// try await group.run()
/// ```
public struct ProjectionService: Service {
    /// The runner this service runs.
    public let runner: ProjectionRunner

    public init(_ runner: ProjectionRunner) {
        self.runner = runner
    }

    public func run() async throws {
        let runner = runner
        try await cancelWhenGracefulShutdown {
            try await runner.run()
        }
    }
}
