public import Evident
public import Logging

extension SQLiteEventStore {
    /// A runner for `projection` as a catch-up projection whose writes and checkpoint share one transaction.
    /// Over a ``PrivacyEventStore``, pass its ``PrivacyEventStore/opener`` so that the projection sees personal
    /// values as reads do; without it, events with sealed values are parked.
    ///
    /// ```swift
    /// let runner = store.projectionRunner(for: CartTotals())
    /// try await runner.catchUp()          // or run() in a task group / as a service
    /// ```
    public func projectionRunner(
        for projection: any SQLiteProjection, opening opener: PersonalDataOpener? = nil,
        configuration: ProjectionRunnerConfiguration = ProjectionRunnerConfiguration(),
        logger: Logger = Logger(label: "evident.projection", factory: { _ in SwiftLogNoOpLogHandler() })
    ) -> ProjectionRunner {
        ProjectionRunner(
            store: self, consumer: SQLiteProjectionConsumer(projection: projection, store: self, opening: opener),
            configuration: configuration, logger: logger)
    }
}
