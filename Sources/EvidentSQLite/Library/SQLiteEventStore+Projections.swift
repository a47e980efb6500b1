public import Evident
public import Logging

extension SQLiteEventStore {
    /// A runner for `projection` as a catch-up projection whose writes and checkpoint share one transaction.
    ///
    /// ```swift
    /// let runner = store.projectionRunner(for: CartTotals())
    /// try await runner.catchUp()          // or run() in a task group / as a service
    /// ```
    public func projectionRunner(
        for projection: any SQLiteProjection,
        configuration: ProjectionRunnerConfiguration = ProjectionRunnerConfiguration(),
        logger: Logger = Logger(label: "evident.projection", factory: { _ in SwiftLogNoOpLogHandler() })
    ) -> ProjectionRunner {
        ProjectionRunner(
            store: self, consumer: SQLiteProjectionConsumer(projection: projection, store: self),
            configuration: configuration, logger: logger)
    }
}
