public import Evident
public import Logging
import PostgresNIO

extension PostgresEventStore {
    /// A runner for `projection` as a catch-up projection whose writes and checkpoint share one transaction.
    ///
    /// ```swift
    /// let runner = store.projectionRunner(for: CartTotals())
    /// try await runner.catchUp()          // or run() in a task group / as a service
    /// ```
    public func projectionRunner(
        for projection: any PostgresProjection,
        configuration: ProjectionRunnerConfiguration = ProjectionRunnerConfiguration(),
        logger: Logger = Logger(label: "evident.projection", factory: { _ in SwiftLogNoOpLogHandler() })
    ) -> ProjectionRunner {
        var consumerLogger = logger
        consumerLogger[metadataKey: "projection"] = "\(projection.name)"
        return ProjectionRunner(
            store: self,
            consumer: PostgresProjectionConsumer(projection: projection, store: self, logger: consumerLogger),
            configuration: configuration, logger: logger)
    }

    /// Empties the inline projection `name` and applies the whole log to it again, in one transaction that holds
    /// the log head's lock: appends (of every process) wait meanwhile, so no event is missed or applied twice.
    ///
    /// The transaction lasts as long as the log is long, so it is not bound by the deadline of other calls;
    /// each of its statements is, by ``PostgresStoreConfiguration/statementTimeout``.
    public func rebuildInlineProjection(named name: String) async throws {
        guard let projection = configuration.inlineProjections.first(where: { $0.name == name }) else {
            throw EventStoreError.invalidArgument("No inline projection named '\(name)' in this store's configuration.")
        }
        do {
            try await client.withConnection { [schema, logger] connection in
                try await connection.transaction(logger: logger) {
                    _ = try await PostgresAppendBatch.lockLogHead(schema, on: connection, logger: logger)
                    try await projection.reset(connection, logger: logger)
                    var position: Int64 = 0
                    while true {
                        let page = try await Self.events(
                            logQuery(after: position, filter: projection.filter, limit: 1_000), stream: nil,
                            on: connection, logger: logger)
                        guard let last = page.last else { break }
                        for event in page { try await projection.apply(event, in: connection, logger: logger) }
                        position = last.position
                    }
                }
            }
        } catch {
            throw PostgresErrors.translate(error, database: configuration.description)
        }
    }
}
