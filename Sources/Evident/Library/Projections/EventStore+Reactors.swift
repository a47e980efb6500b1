public import Logging

extension EventStore where Self: CheckpointStore {
    /// A runner for `reactor` with its checkpoint and parked events in this store.
    ///
    /// ```swift
    /// let transfers = store.runner(for: TransferProcess(accounts: accounts))
    /// try await transfers.catchUp()          // or run() in a task group / as a service
    /// ```
    public func runner(
        for reactor: some Reactor, configuration: ProjectionRunnerConfiguration = ProjectionRunnerConfiguration(),
        logger: Logger = Logger(label: "evident.reactor", factory: { _ in SwiftLogNoOpLogHandler() })
    ) -> ProjectionRunner {
        ProjectionRunner(
            store: self, consumer: CheckpointedConsumer(reactor, checkpoints: self), configuration: configuration,
            logger: logger)
    }
}
