public import Evident
import Foundation
public import Logging
import NIOCore
import NIOSSL
package import PostgresNIO
import Synchronization

/// The event store for several processes and machines: Evident's tables in a schema of their own in a
/// PostgreSQL database (15 or newer), shared by any number of stores in any number of processes.
///
/// Positions are dense and in commit order across all of them (see `docs/storage.md`); appends from one store
/// are committed in groups; readers are woken by `LISTEN`/`NOTIFY` and poll as a fallback. The store also keeps
/// snapshots, checkpoints and parked events, and runs ``PostgresProjection``s, catch-up or inline. Connect with
/// ``connect(_:logger:)`` and call ``close()`` before exiting:
///
/// ```swift
/// let store = try await PostgresEventStore.connect(
///     PostgresStoreConfiguration(url: "postgres://evident@db.internal/app?schema=evident"))
/// try await store.append([NewEvent(type: "was_opened")], to: StreamName("account:42"), expectedVersion: .noStream)
/// await store.close()
/// ```
///
/// Opened on a streaming replica (a server in recovery), the store is read-only: appends fail, and waits poll
/// the replica (it cannot `LISTEN`).
public final class PostgresEventStore: EventStore, StreamListing {
    public let configuration: PostgresStoreConfiguration
    let client: PostgresClient
    let schema: PostgresSchema
    let logger: Logger
    let watch = PositionWatch()
    /// The client's connection pool, then the notification listener.
    private let tasks = Mutex<[Task<Void, Never>]>([])
    private let writer: GroupCommitQueue<AppendRequest, CommittedAppend>
    /// The connection the writer commits batches without inline projections on.
    private let writerConnection: PostgresWriterConnection
    private let listening = Mutex(false)
    private let notificationCount = Mutex(0)
    private let replica = Mutex(false)
    /// The `NOTIFY` channel of this schema's appends.
    let channel: String

    /// Connects to the database, creates or upgrades Evident's schema and the tables of the inline projections
    /// (one opener at a time; the others wait), and starts listening for appends.
    ///
    /// Fails, changing nothing, with `incompatibleDatabase` when the schema holds someone else's tables or a
    /// newer Evident's, with `invalidArgument` when the server refuses the login or the database does not exist,
    /// and with `unavailable` when the server cannot be reached within ``PostgresStoreConfiguration/connectTimeout``.
    public static func connect(
        _ configuration: PostgresStoreConfiguration,
        logger: Logger = Logger(label: "evident.postgres", factory: { _ in SwiftLogNoOpLogHandler() })
    ) async throws -> PostgresEventStore {
        let store = PostgresEventStore(configuration: configuration, logger: logger)
        do {
            // On a connection of its own, outside the pool, which would retry a refused login or a missing
            // database silently until the deadline: here the server's answer is the error.
            let inRecovery = try await withDeadline(configuration, description: configuration.description) {
                connected in
                let connection = try await PostgresConnection.connect(
                    configuration: connectionConfiguration(configuration), id: 0, logger: logger)
                // Not watched: the body closes it itself.
                connected(nil)
                do {
                    let inRecovery = try await store.schema.prepare(
                        connection, create: configuration.createIfMissing,
                        replicaWait: configuration.connectTimeout / 2, logger: logger,
                        description: configuration.description)
                    if !inRecovery, !configuration.inlineProjections.isEmpty {
                        try await connection.transaction(logger: logger) {
                            try await store.schema.prepareTables(
                                of: configuration.inlineProjections, on: connection, logger: logger)
                        }
                    }
                    try await connection.close()
                    return inRecovery
                } catch {
                    try? await connection.close()
                    throw error
                }
            }
            store.replica.withLock { $0 = inRecovery }
            store.watch.advance(to: try await store.headPosition())
        } catch {
            await store.stopClient()
            throw error
        }
        if !store.isReplica { store.startListening() }
        logger.debug("Opened event store", metadata: ["database": "\(configuration)"])
        return store
    }

    private init(configuration: PostgresStoreConfiguration, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
        schema = PostgresSchema(name: configuration.schema)
        channel = "\(configuration.schema)_appended"
        client = PostgresClient(configuration: Self.clientConfiguration(configuration), backgroundLogger: logger)
        let batch = PostgresAppendBatch(
            schema: schema, maximumStreamLength: configuration.maximumStreamLength, channel: channel,
            inlineProjections: configuration.inlineProjections, database: configuration.description)
        let description = configuration.description
        let connection = PostgresWriterConnection(
            configuration: configuration,
            connectionConfiguration: Result { try Self.connectionConfiguration(configuration) },
            eventLoop: PostgresClient.defaultEventLoopGroup.any(), logger: logger)
        writerConnection = connection
        // One batch at a time: every batch of every node serializes on the log head's lock anyway, so
        // grouping, not concurrency, is what makes many writers cheap.
        writer = GroupCommitQueue(
            maximumBatch: configuration.maximumAppendsPerCommit,
            closedError: EventStoreError.invalidArgument("The store \(description) is closed.")
        ) { [client, logger] requests in
            do {
                guard batch.inlineProjections.isEmpty else {
                    // A submitter's cancellation must not fail the others' appends.
                    return try await Self.withPooledConnection(
                        client, configuration, description: description, ignoringCancellation: true
                    ) { connection in
                        try await batch.commitWithInlineProjections(requests, on: connection, logger: logger)
                    }
                }
                return try await batch.commit(requests, run: connection.run)
            } catch {
                // A failed statement or COMMIT may still have committed: the error (unavailable) says to retry with
                // the idempotency key, which settles it.
                let failure = PostgresErrors.translate(error, database: description)
                return requests.map { _ in .failure(failure) }
            }
        }
        let client = client
        tasks.withLock { $0.append(Task { await client.run() }) }
    }

    /// How many notifications of appends this store has received, for tests.
    package var notificationsReceived: Int { notificationCount.withLock { $0 } }

    /// Whether the store reads a server in recovery (a streaming replica), which takes no writes.
    public var isReplica: Bool { replica.withLock { $0 } }

    public func append(_ appends: [StreamAppend], idempotency: Idempotency?) async throws -> [AppendResult] {
        try await append(appends, idempotency: idempotency, checking: [])
    }

    /// Keeps the new subject keys just before the append, each in a statement of its own, and checks the live ones
    /// in the append's own statement (`append_batch`).
    public func append(
        _ appends: [StreamAppend], idempotency: Idempotency?, keeping newKeys: [SubjectKey],
        checking liveKeys: [SubjectKey]
    ) async throws -> [AppendResult] {
        for key in newKeys where try await insertSubjectKey(key).id != key.id { throw SubjectKeyConflict() }
        return try await append(appends, idempotency: idempotency, checking: liveKeys)
    }

    private func append(_ appends: [StreamAppend], idempotency: Idempotency?, checking liveKeys: [SubjectKey])
        async throws -> [AppendResult]
    {
        guard !isReplica else {
            throw EventStoreError.invalidArgument(
                "The store \(configuration) reads a replica, which takes no writes; append to the primary.")
        }
        try AppendValidation.checkShape(appends)
        let committed = try await writer.submit(
            AppendRequest(appends: appends, idempotency: idempotency, liveSubjectKeys: liveKeys))
        watch.advance(to: committed.head)
        return committed.results
    }

    public func waitForAppends(after position: Int64, timeout: Duration) async throws {
        // Notifications wake waiters at once; the poll catches a lost one (and is all a replica has).
        let poll = listening.withLock { $0 } ? configuration.pollInterval : .milliseconds(25)
        let deadline = ContinuousClock.now + timeout
        while watch.head <= position {
            let remaining = deadline - .now
            guard remaining > .zero else { return }
            try await watch.wait(after: position, timeout: min(remaining, poll))
            if watch.head <= position { watch.advance(to: try await headPosition()) }
        }
    }

    /// Stops taking appends, commits those already queued, stops listening and closes the connections.
    /// Afterwards every call fails.
    public func close() async {
        await writer.close()
        writerConnection.close()
        await stopClient()
        logger.debug("Closed event store", metadata: ["database": "\(configuration)"])
    }

    private func stopClient() async {
        let running = tasks.withLock { tasks in
            defer { tasks = [] }
            return tasks
        }
        for task in running.reversed() {
            task.cancel()
            await task.value
        }
    }

    /// Listens for the schema's appends on a connection of the pool, reconnecting after a failure; after each
    /// (re)connection it reads the head, so an append missed meanwhile wakes waiters too.
    private func startListening() {
        let task = Task { [self] in
            var delay = Duration.milliseconds(50)
            while !Task.isCancelled {
                do {
                    try await client.withConnection { connection in
                        try await connection.listen(on: channel) { notifications in
                            watch.advance(to: try await headPosition())
                            listening.withLock { $0 = true }
                            delay = .milliseconds(50)
                            for try await notification in notifications {
                                notificationCount.withLock { $0 += 1 }
                                if let head = Int64(notification.payload) { watch.advance(to: head) }
                            }
                        }
                    }
                } catch {
                    if !Task.isCancelled {
                        logger.debug("Listening for appends failed; retrying", metadata: ["error": "\(error)"])
                    }
                }
                listening.withLock { $0 = false }
                try? await Task.sleep(for: delay)
                delay = min(delay * 2, .seconds(2))
            }
        }
        tasks.withLock { $0.append(task) }
    }

    /// Runs one SQL statement, for this package's tests and tools.
    package func execute(unsafeSQL sql: String) async throws {
        try await withConnection { [logger] connection in
            for try await _ in try await connection.query(PostgresQuery(unsafeSQL: sql), logger: logger) {}
        }
    }

    /// Runs `body` on a connection of the pool, within the deadline, translating errors; for this package's
    /// tests too.
    package func withConnection<T: Sendable>(_ body: @escaping @Sendable (PostgresConnection) async throws -> T)
        async throws -> T
    {
        try await Self.withPooledConnection(client, configuration, description: configuration.description, body)
    }

    /// Runs `body` on a connection of `client`'s pool, within the deadlines of ``withDeadline(_:description:_:)``.
    static func withPooledConnection<T: Sendable>(
        _ client: PostgresClient, _ configuration: PostgresStoreConfiguration, description: String,
        ignoringCancellation: Bool = false, _ body: @escaping @Sendable (PostgresConnection) async throws -> T
    ) async throws -> T {
        try await withDeadline(configuration, description: description, ignoringCancellation: ignoringCancellation) {
            connected in
            try await client.withConnection { connection in
                connected(connection)
                return try await body(connection)
            }
        }
    }

    /// Runs `body` in a transaction on a connection of the pool, within the deadline, translating errors; a
    /// ``ProjectionFailure`` (a projection's own error) passes.
    func withTransaction<T: Sendable>(_ body: @escaping @Sendable (PostgresConnection) async throws -> T)
        async throws -> T
    {
        try await withConnection { [logger] connection in
            try await connection.transaction(logger: logger) { try await body(connection) }
        }
    }

    /// Runs `body`, failing with `unavailable` when it gets no connection within the connect timeout, then takes
    /// longer than the statement timeout, or loses its connection: while the server is down, the pool would keep a
    /// caller waiting for a connection indefinitely. `body` calls `connected` once it has its connection, with the
    /// connection when losing it should end the call. The caller's cancellation fails the call at once, unless
    /// `ignoringCancellation` (work that is others' too).
    ///
    /// `body` runs in a task of its own, which the call leaves behind (cancelled) once it has failed: postgres-nio
    /// never answers a query written to a connection that has just closed, and that wait ignores cancellation, so
    /// a task group would wait for it forever, and with it every append queued behind it. The deadlines and the
    /// connection are checked every 100 ms by a repeated task on an event loop, which costs no task of its own.
    static func withDeadline<T: Sendable>(
        _ configuration: PostgresStoreConfiguration, description: String, ignoringCancellation: Bool = false,
        _ body: @escaping @Sendable (_ connected: @escaping @Sendable (PostgresConnection?) -> Void) async throws -> T
    ) async throws -> T {
        let race = DeadlineRace<T>()
        let retry = "try again (retry writes with their idempotency key)."
        let start = ContinuousClock.now
        do {
            return try await withTaskCancellationHandler {
                try await withCheckedThrowingContinuation { continuation in
                    race.start(continuation)
                    let work = Task {
                        do {
                            race.decide(.success(try await body { race.connected($0) }))
                        } catch {
                            race.decide(.failure(error))
                        }
                    }
                    let check = PostgresClient.defaultEventLoopGroup.any().scheduleRepeatedTask(
                        initialDelay: .milliseconds(100), delay: .milliseconds(100)
                    ) { _ in
                        let elapsed = start.duration(to: .now)
                        let failure: String
                        switch race.progress {
                        case .connecting:
                            guard elapsed >= configuration.connectTimeout else { return }
                            failure = "cannot be reached (no connection within \(configuration.connectTimeout))"
                        case .connected(let watched):
                            if watched?.isClosed == true {
                                failure = "closed the connection"
                            } else if elapsed >= configuration.connectTimeout + configuration.statementTimeout {
                                failure = "did not answer within \(configuration.statementTimeout)"
                            } else {
                                return
                            }
                        }
                        race.decide(
                            .failure(
                                EventStoreError(
                                    code: .unavailable, message: "The database \(description) \(failure); \(retry)")))
                    }
                    race.whenDecided {
                        work.cancel()
                        check.cancel()
                    }
                }
            } onCancel: {
                if !ignoringCancellation { race.decide(.failure(CancellationError())) }
            }
        } catch {
            throw PostgresErrors.translate(error, database: description)
        }
    }

    /// The TLS settings of `mode`: whether TLS is required, and how the server is checked (nil: no TLS).
    private static func tls(_ mode: PostgresStoreConfiguration.TLSMode) -> (required: Bool, TLSConfiguration)? {
        var unverified = TLSConfiguration.makeClientConfiguration()
        unverified.certificateVerification = .none
        return switch mode {
        case .disable: nil
        case .prefer: (false, unverified)
        case .require: (true, unverified)
        case .verifyFull: (true, .makeClientConfiguration())
        }
    }

    private static func startupParameters(_ configuration: PostgresStoreConfiguration) -> [(String, String)] {
        [
            ("statement_timeout", "\(configuration.statementTimeout.milliseconds)"),
            ("application_name", "evident"),
        ]
    }

    private static func connectionConfiguration(_ configuration: PostgresStoreConfiguration) throws
        -> PostgresConnection.Configuration
    {
        var connection: PostgresConnection.Configuration
        if let socket = configuration.socketPath {
            connection = PostgresConnection.Configuration(
                unixSocketPath: socket, username: configuration.username, password: configuration.password,
                database: configuration.database)
        } else {
            let tls: PostgresConnection.Configuration.TLS =
                switch Self.tls(configuration.tls) {
                case nil: .disable
                case (let required, let settings)?:
                    required
                        ? .require(try NIOSSLContext(configuration: settings))
                        : .prefer(try NIOSSLContext(configuration: settings))
                }
            connection = PostgresConnection.Configuration(
                host: configuration.host ?? "localhost", port: configuration.port, username: configuration.username,
                password: configuration.password, database: configuration.database, tls: tls)
        }
        connection.options.connectTimeout = .milliseconds(configuration.connectTimeout.milliseconds)
        connection.options.additionalStartupParameters = startupParameters(configuration)
        return connection
    }

    private static func clientConfiguration(_ configuration: PostgresStoreConfiguration)
        -> PostgresClient.Configuration
    {
        var client: PostgresClient.Configuration
        if let socket = configuration.socketPath {
            client = PostgresClient.Configuration(
                unixSocketPath: socket, username: configuration.username, password: configuration.password,
                database: configuration.database)
        } else {
            let tls: PostgresClient.Configuration.TLS =
                switch Self.tls(configuration.tls) {
                case nil: .disable
                case (let required, let settings)?: required ? .require(settings) : .prefer(settings)
                }
            client = PostgresClient.Configuration(
                host: configuration.host ?? "localhost", port: configuration.port, username: configuration.username,
                password: configuration.password, database: configuration.database, tls: tls)
        }
        // The listener holds one connection for good.
        client.options.maximumConnections = configuration.maximumConnections + 1
        client.options.connectTimeout = configuration.connectTimeout
        client.options.additionalStartupParameters = startupParameters(configuration)
        return client
    }
}

extension Duration {
    var milliseconds: Int64 {
        components.seconds * 1_000 + components.attoseconds / 1_000_000_000_000_000
    }
}

/// One call of ``PostgresEventStore/withDeadline(_:description:_:)``: the first outcome decided (the body's, a
/// deadline's, the caller's cancellation) resumes the caller; later ones are ignored.
private final class DeadlineRace<T: Sendable>: Sendable {
    enum Progress {
        case connecting
        /// The body has its connection; its loss fails the call when it is watched.
        case connected(watched: PostgresConnection?)
    }

    private struct State {
        var continuation: CheckedContinuation<T, any Error>?
        var outcome: Result<T, any Error>?
        var progress = Progress.connecting
        var whenDecided: (@Sendable () -> Void)?
    }

    private let state = Mutex(State())

    var progress: Progress { state.withLock { $0.progress } }

    func connected(_ connection: PostgresConnection?) {
        state.withLock { $0.progress = .connected(watched: connection) }
    }

    /// Sets the caller's continuation; resumes it at once when the outcome is already decided.
    func start(_ continuation: CheckedContinuation<T, any Error>) {
        let outcome = state.withLock { state in
            if state.outcome == nil { state.continuation = continuation }
            return state.outcome
        }
        if let outcome { continuation.resume(with: outcome) }
    }

    /// Runs `action` once the outcome is decided (at once if it is).
    func whenDecided(_ action: @escaping @Sendable () -> Void) {
        let decided = state.withLock { state in
            if state.outcome == nil { state.whenDecided = action }
            return state.outcome != nil
        }
        if decided { action() }
    }

    func decide(_ outcome: Result<T, any Error>) {
        let (continuation, action) = state.withLock {
            state -> (CheckedContinuation<T, any Error>?, (@Sendable () -> Void)?) in
            guard state.outcome == nil else { return (nil, nil) }
            state.outcome = outcome
            defer { (state.continuation, state.whenDecided) = (nil, nil) }
            return (state.continuation, state.whenDecided)
        }
        continuation?.resume(with: outcome)
        action?()
    }
}
