public import Evident
public import Logging
import PostgresNIO

extension PostgresEventStore {
    /// A runner for `projection` as a catch-up projection whose writes and checkpoint share one transaction.
    /// Over a ``PrivacyEventStore``, pass its ``PrivacyEventStore/opener`` so that the projection sees personal
    /// values as reads do; without it, events with sealed values are parked.
    ///
    /// ```swift
    /// let runner = store.projectionRunner(for: CartTotals())
    /// try await runner.catchUp()          // or run() in a task group / as a service
    /// ```
    public func projectionRunner(
        for projection: any PostgresProjection, opening opener: PersonalDataOpener? = nil,
        configuration: ProjectionRunnerConfiguration = ProjectionRunnerConfiguration(),
        logger: Logger = Logger(label: "evident.projection", factory: { _ in SwiftLogNoOpLogHandler() })
    ) -> ProjectionRunner {
        var consumerLogger = logger
        consumerLogger[metadataKey: "projection"] = "\(projection.name)"
        return ProjectionRunner(
            store: self,
            consumer: PostgresProjectionConsumer(
                projection: projection, store: self, opening: opener, logger: consumerLogger),
            configuration: configuration, logger: logger)
    }

    /// Empties the inline projection `name` and applies the whole log to it again, in one transaction that holds
    /// the log head's lock: appends (of every process) wait meanwhile, so no event is missed or applied twice.
    ///
    /// The transaction lasts as long as the log is long, so it is not bound by the deadline of other calls;
    /// each of its statements is, by ``PostgresStoreConfiguration/statementTimeout``. Over a
    /// ``PrivacyEventStore``, pass its ``PrivacyEventStore/opener``: without it, a log with sealed personal values is
    /// refused.
    public func rebuildInlineProjection(named name: String, opening opener: PersonalDataOpener? = nil) async throws {
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
                        let read = try await Self.events(
                            logQuery(after: position, filter: projection.filter.addingForgettingReceipts, limit: 1_000),
                            stream: nil, on: connection, logger: logger)
                        guard let last = read.last else { break }
                        let page = try await Self.openPersonalValues(
                            read.filter { projection.filter.matches($0) || ForgettingReceipt.isReceipt($0) },
                            with: opener, for: name, schema: schema, on: connection, logger: logger)
                        for event in page { try await projection.handle(event, in: connection, logger: logger) }
                        position = last.position
                    }
                }
            }
        } catch let failure as ProjectionFailure {
            throw failure.underlying
        } catch {
            throw PostgresErrors.translate(error, database: configuration.description)
        }
    }
}
