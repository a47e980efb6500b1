public import Evident
public import Logging
import PostgresNIO
import Synchronization

/// Drives a ``PostgresProjection`` for a ``ProjectionRunner``: a page of events, the read-model writes and the
/// checkpoint commit in one transaction of the store's database.
public final class PostgresProjectionConsumer: CatchUpConsumer {
    public let projection: any PostgresProjection
    let store: PostgresEventStore
    let opener: PersonalDataOpener?
    let logger: Logger
    private let prepared = Mutex(false)

    /// `opener` opens personal values sealed by a ``PrivacyEventStore`` over `store`; `logger` is handed to the
    /// projection's methods and postgres-nio's queries.
    public init(
        projection: any PostgresProjection, store: PostgresEventStore, opening opener: PersonalDataOpener? = nil,
        logger: Logger = Logger(label: "evident.projection", factory: { _ in SwiftLogNoOpLogHandler() })
    ) {
        self.projection = projection
        self.store = store
        self.opener = opener
        self.logger = logger
    }

    public var name: String { projection.name }
    public var filter: LogFilter { projection.filter }
    public var isRebuildable: Bool { true }
    public var receivesForgettings: Bool { true }

    public func checkpoint() async throws -> Int64 {
        try await store.checkpoint(of: name)
    }

    public func handle(_ events: [RecordedEvent], through position: Int64) async throws {
        try await transaction {
            [projection, name, opener, schema = store.schema, checkpoints = store.checkpoints, logger]
            connection in
            try await Self.apply(
                events, to: projection, named: name, opening: opener, schema: schema, on: connection, logger: logger)
            try await checkpoints.save(
                name, position: max(position, events.last?.position ?? 0), on: connection, logger: logger)
        }
    }

    public func park(_ event: RecordedEvent, error: any Error, attempts: Int) async throws {
        try await store.park(ParkedEvent(consumer: name, event: event, error: error, attempts: attempts))
    }

    public func parkedEvents() async throws -> [ParkedEvent] {
        try await store.parkedEvents(of: name)
    }

    public func replay(_ event: RecordedEvent) async throws {
        try await transaction {
            [projection, name, opener, schema = store.schema, checkpoints = store.checkpoints, logger]
            connection in
            try await Self.apply(
                [event], to: projection, named: name, opening: opener, schema: schema, on: connection, logger: logger)
            try await checkpoints.unpark(name, position: event.position, on: connection, logger: logger)
        }
    }

    /// Hands `events` to the projection with their personal values opened, in `connection`'s transaction.
    private static func apply(
        _ events: [RecordedEvent], to projection: any PostgresProjection, named name: String,
        opening opener: PersonalDataOpener?,
        schema: PostgresSchema, on connection: PostgresConnection, logger: Logger
    ) async throws {
        let opened = try await PostgresEventStore.openPersonalValues(
            events, with: opener, for: name, schema: schema, on: connection, logger: logger)
        for event in opened {
            try await projecting { try await projection.handle(event, in: connection, logger: logger) }
        }
    }

    public func reset() async throws {
        try await transaction { [projection, name, checkpoints = store.checkpoints, logger] connection in
            try await Self.projecting { try await projection.reset(connection, logger: logger) }
            try await checkpoints.reset(name, on: connection, logger: logger)
        }
    }

    /// Runs `body` in a transaction, after creating the read model's tables the first time; errors of the
    /// projection's own code come out as they were thrown (so the runner retries and parks), the database's as
    /// ``EventStoreError``s (so the runner waits and tries again).
    private func transaction(_ body: @escaping @Sendable (PostgresConnection) async throws -> Void) async throws {
        if !prepared.withLock({ $0 }) {
            try await store.withTransaction { [schema = store.schema, projection, logger] connection in
                try await schema.prepareTables(of: [projection], on: connection, logger: logger)
            }
            prepared.withLock { $0 = true }
        }
        do {
            try await store.withTransaction(body)
        } catch let failure as ProjectionFailure {
            throw failure.underlying
        }
    }

    /// Runs the projection's own code, marking its errors as the projection's, except the database's passing
    /// failures (a lost connection, a timeout), which no retry of the event can fix.
    private static func projecting(_ body: () async throws -> Void) async throws {
        do {
            try await body()
        } catch {
            guard PostgresErrors.isTransient(error) else { throw ProjectionFailure(underlying: error) }
            throw error
        }
    }
}
