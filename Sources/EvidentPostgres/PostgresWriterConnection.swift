import Evident
import Logging
import NIOCore
import PostgresNIO
import Synchronization

/// The connection a store's writer commits its batches on: kept between batches instead of a lease from the
/// pool for each, and opened again on the next batch after it was lost.
///
/// A statement is bounded as ``PostgresEventStore/withDeadline(_:description:_:)`` bounds a call: it fails with
/// `unavailable` when there is no connection within the connect timeout, no answer within the connect timeout
/// plus the statement timeout, or as soon as the connection closes. It is built on the connection's event-loop
/// futures rather than tasks: a batch costs no task and no thread hop beyond the statement's own, a caller's
/// cancellation does not stop a batch that carries other callers' appends too, and a statement postgres-nio
/// never answers (one written to a connection that has just closed) is left behind without a task waiting on it.
final class PostgresWriterConnection: Sendable {
    private struct State {
        /// The connection, or the attempt to open it.
        var connection: EventLoopFuture<PostgresConnection>?
        /// The statement in flight, failed at once when its connection closes.
        var inFlight: FirstOutcome<PostgresQueryResult>?
        var isClosed = false
    }

    private let state = Mutex(State())
    private let configuration: PostgresStoreConfiguration
    private let connectionConfiguration: Result<PostgresConnection.Configuration, any Error>
    private let eventLoop: any EventLoop
    private let logger: Logger

    init(
        configuration: PostgresStoreConfiguration,
        connectionConfiguration: Result<PostgresConnection.Configuration, any Error>, eventLoop: any EventLoop,
        logger: Logger
    ) {
        self.configuration = configuration
        self.connectionConfiguration = connectionConfiguration
        self.eventLoop = eventLoop
        self.logger = logger
    }

    /// Runs `query` and returns its rows; errors are postgres-nio's or ``EventStoreError``s.
    func run(_ query: PostgresQuery) async throws -> PostgresQueryResult {
        let outcome = FirstOutcome(eventLoop.makePromise(of: PostgresQueryResult.self))
        let start = NIODeadline.now()
        let connecting = connection()
        let unreachable = eventLoop.scheduleTask(in: .milliseconds(configuration.connectTimeout.milliseconds)) {
            [self] in
            // A new attempt for the next statement: this one may never end.
            state.withLock { if $0.connection === connecting { $0.connection = nil } }
            outcome.complete(
                .failure(unavailable("cannot be reached (no connection within \(configuration.connectTimeout))")))
        }
        connecting.whenComplete { [self] result in
            unreachable.cancel()
            switch result {
            case .failure(let error):
                state.withLock { if $0.connection === connecting { $0.connection = nil } }
                outcome.complete(.failure(error))
            case .success(let connection):
                let isCurrent = state.withLock { state in
                    guard state.connection === connecting, !connection.isClosed else { return false }
                    state.inFlight = outcome
                    return true
                }
                guard isCurrent else {
                    outcome.complete(.failure(unavailable("closed the connection")))
                    return
                }
                let limit = configuration.connectTimeout + configuration.statementTimeout
                let unanswered = eventLoop.scheduleTask(
                    deadline: start + .milliseconds(limit.milliseconds)
                ) { [self] in
                    outcome.complete(.failure(unavailable("did not answer within \(configuration.statementTimeout)")))
                }
                connection.query(query, logger: logger).whenComplete { result in
                    unanswered.cancel()
                    outcome.complete(result)
                }
            }
        }
        defer { state.withLock { if $0.inFlight === outcome { $0.inFlight = nil } } }
        return try await outcome.promise.futureResult.get()
    }

    /// Closes the connection (without waiting for an attempt to open one); statements after it fail.
    func close() {
        let connection = state.withLock { state in
            state.isClosed = true
            defer { state.connection = nil }
            return state.connection
        }
        connection?.whenSuccess { Self.close($0) }
    }

    /// The open connection, or an attempt to open one, on the writer's event loop, where its statements' answers
    /// and deadlines meet. Called by one batch at a time.
    private func connection() -> EventLoopFuture<PostgresConnection> {
        let (kept, isClosed) = state.withLock { ($0.connection, $0.isClosed) }
        if let kept { return kept }
        guard !isClosed else {
            return eventLoop.makeFailedFuture(
                EventStoreError.invalidArgument("The store \(configuration.description) is closed."))
        }
        let connecting = eventLoop.makeCompletedFuture(connectionConfiguration).flatMap { [self] in
            PostgresConnection.connect(on: eventLoop, configuration: $0, id: 0, logger: logger)
        }
        state.withLock { $0.connection = connecting }
        connecting.whenSuccess { [self] connection in
            connection.closeFuture.whenComplete { [self] _ in
                let inFlight = state.withLock { state in
                    if state.connection === connecting { state.connection = nil }
                    return state.inFlight
                }
                inFlight?.complete(.failure(unavailable("closed the connection")))
            }
            // Opened too late (the statement that asked for it gave up) or after close(): not kept.
            if state.withLock({ $0.connection !== connecting }) { Self.close(connection) }
        }
        return connecting
    }

    /// Closes `connection` without waiting.
    private static func close(_ connection: PostgresConnection) {
        let closing: EventLoopFuture<Void> = connection.close()
        closing.whenFailure { _ in }
    }

    private func unavailable(_ failure: String) -> EventStoreError {
        EventStoreError(
            code: .unavailable,
            message: "The database \(configuration.description) \(failure); try again (retry writes with their "
                + "idempotency key).")
    }
}

/// A promise completed by the first of several racing outcomes; later ones are ignored.
final class FirstOutcome<Value: Sendable>: Sendable {
    let promise: EventLoopPromise<Value>
    private let isComplete = Mutex(false)

    init(_ promise: EventLoopPromise<Value>) {
        self.promise = promise
    }

    func complete(_ result: Result<Value, any Error>) {
        let isFirst = isComplete.withLock { isComplete in
            defer { isComplete = true }
            return !isComplete
        }
        if isFirst { promise.completeWith(result) }
    }
}
