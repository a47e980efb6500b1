import Evident
import Foundation
import Logging
import NIOCore
import PostgresNIO

/// The transaction that commits one batch of appends (see `docs/storage.md`, "Positions on PostgreSQL").
///
/// It first locks the one row of `log_head`, and holds the lock until COMMIT: every batch of every node
/// takes that lock, so batches commit one at a time, each numbering its events from the head it found.
/// Positions are therefore dense (a rolled-back batch leaves the head as it was) and in commit order (a batch
/// cannot number events before the previous one has committed). Expectations and idempotency keys are checked
/// under the same lock, against committed data, so they hold across nodes.
///
/// Refused appends are checked before anything is written and leave no trace; their neighbours in the batch
/// are written. The batch takes 5 statements in 2 round trips: BEGIN, the lock and the look-ups go to the server
/// in one flight, then the statement that writes everything and COMMIT in another. The server runs the
/// statements of a connection one after the other, so the look-ups still start after the lock is granted, and
/// a COMMIT after a failed write rolls back. With inline projections, each append that passes its checks is
/// written in a savepoint of its own with the projections' writes for its events (3 more round trips and the
/// projections' own), so that a projection that throws fails that append alone.
///
/// When nothing else has committed since this store's last batch, a batch without idempotency keys or inline
/// projections takes one statement instead (see ``KnownHead``): it is checked against the lengths that batch
/// left, and its write locks the head row itself and writes only if the row is still the version that batch
/// left, in autocommit. The lock, the numbering from the head, and the commit under the lock are the same as
/// in the full transaction; when the row has moved on, the statement writes nothing and the batch takes the
/// full transaction.
struct PostgresAppendBatch {
    let schema: PostgresSchema
    let maximumStreamLength: Int?
    let channel: String
    let inlineProjections: [any PostgresProjection]
    /// The database's description, for errors.
    let database: String
    /// The head this store's last batch left, for the next batch to commit in one statement.
    let known = KnownHead()
    /// The newest head position the store has heard of (its own commits and other nodes' notifications).
    let newestHead: @Sendable () -> Int64

    /// Commits `requests`; returns each one's outcome.
    func commit(_ requests: [AppendRequest], on connection: PostgresConnection, logger: Logger) async throws
        -> [Result<CommittedAppend, any Error>]
    {
        do {
            if let outcomes = try await commitInOneStatement(requests, on: connection, logger: logger) {
                return outcomes
            }
            var (plan, found) = try await begin(requests, on: connection, logger: logger)
            var outcomes: [Result<[AppendResult], any Error>] = []
            if inlineProjections.isEmpty {
                outcomes = requests.map { plan.add($0) }
                let version = try await finish(
                    plan.hasWrites ? plan.statement(schema: schema, channel: channel) : nil, on: connection,
                    logger: logger)
                known.remember(
                    KnownHead.State(
                        position: plan.head, recordedAt: version == nil ? found.recordedAt : plan.recordedAt,
                        version: version ?? found.version, lengths: plan.lengths), startedFrom: found.version)
            } else {
                // Savepoints give the head row versions of their own: the next batch takes the full path too.
                for request in requests {
                    outcomes.append(
                        try await writeWithInlineProjections(request, plan: &plan, on: connection, logger: logger))
                }
                _ = try await finish(nil, on: connection, logger: logger)
            }
            let head = plan.head
            return outcomes.map { $0.map { CommittedAppend(results: $0, head: head) } }
        } catch {
            known.forget()
            _ = try? await connection.query("ROLLBACK", logger: logger)
            throw error
        }
    }

    /// Commits the batch in one statement when ``known`` allows it (see the type's summary); returns nil when the
    /// batch must take the full transaction, having written nothing.
    private func commitInOneStatement(_ requests: [AppendRequest], on connection: PostgresConnection, logger: Logger)
        async throws -> [Result<CommittedAppend, any Error>]?
    {
        guard inlineProjections.isEmpty, requests.allSatisfy({ $0.idempotency == nil }) else { return nil }
        let streams = Set(requests.flatMap { $0.appends.map(\.stream.description) })
        guard let state = known.state(for: streams, newest: newestHead()) else { return nil }
        var plan = Plan(
            head: state.position, recordedAt: max(Date().unixMilliseconds, state.recordedAt),
            maximumStreamLength: maximumStreamLength)
        for stream in streams { plan.lengths[stream] = state.lengths[stream] }
        let outcomes = requests.map { plan.add($0) }
        // A batch that writes nothing has no statement to check the lengths with.
        guard plan.hasWrites else { return nil }
        let rows = try await connection.query(
            plan.statement(schema: schema, channel: channel, after: state), logger: logger
        ).collect()
        guard let version = try rows.first.map(Self.headVersion) else {
            // Another batch committed since, or holds the head: nothing was written.
            known.missed()
            return nil
        }
        known.remember(
            KnownHead.State(
                position: plan.head, recordedAt: plan.recordedAt, version: version, lengths: plan.lengths),
            startedFrom: state.version)
        known.hit()
        let head = plan.head
        return outcomes.map { $0.map { CommittedAppend(results: $0, head: head) } }
    }

    /// The head row's new version, the first column of what ``LogWrite/statement(schema:head:recordedAt:channel:after:)``
    /// returns.
    private static func headVersion(_ row: PostgresRow) throws -> String {
        guard let cell = row.first else {
            throw EventStoreError(code: .storageFailure, message: "The write of a batch returned no head version.")
        }
        return try cell.decode(String.self, context: .default)
    }

    /// Sends BEGIN, the lock of the log head and the look-ups of the batch's keys and streams in one flight, and
    /// returns the plan their answers start.
    ///
    /// Each `query` that returns a future queues its statement on the connection at once, so they go in this
    /// order without waiting for one another: one wait for the server instead of four. A round trip costs about
    /// as much as a whole plain `INSERT` in autocommit here (the threads it wakes, more than the network).
    private func begin(_ requests: [AppendRequest], on connection: PostgresConnection, logger: Logger) async throws
        -> (Plan, found: KnownHead.State)
    {
        let keys = Array(Set(requests.compactMap(\.idempotency?.key)))
        let streams = Array(Set(requests.flatMap { $0.appends.map(\.stream.description) }))
        let begun: EventLoopFuture<PostgresQueryResult> = connection.query("BEGIN", logger: logger)
        let locked: EventLoopFuture<PostgresQueryResult> = connection.query(Self.lockQuery(schema), logger: logger)
        let stored: EventLoopFuture<PostgresQueryResult>? =
            keys.isEmpty
            ? nil
            : connection.query(
                PostgresQuery(
                    unsafeSQL: schema.qualify(
                        "SELECT key, fingerprint, result FROM {s}.idempotency_keys WHERE key = ANY($1)"),
                    binds: bindings(keys)), logger: logger)
        let lengths: EventLoopFuture<PostgresQueryResult> = connection.query(
            LogWrite.lengthsQuery(of: streams, schema: schema), logger: logger)
        _ = try await begun.get()
        let found = try Self.head(try await locked.get().rows)
        var plan = Plan(
            head: found.position, recordedAt: max(Date().unixMilliseconds, found.recordedAt),
            maximumStreamLength: maximumStreamLength)
        for row in try await stored?.get().rows ?? [] {
            let (key, fingerprint, result) = try row.decode((String, String, String).self)
            plan.stored[key] = IdempotentAppend(
                fingerprint: fingerprint, results: try IdempotentAppend.results(stored: JSON(parsing: result)))
        }
        plan.lengths = try LogWrite.lengths(try await lengths.get().rows)
        return (plan, found)
    }

    /// Sends `write` (when there is one) and COMMIT in one flight, and returns the head row's new version. A
    /// failed write fails the batch, and the COMMIT after it has rolled back; a COMMIT that answers anything but
    /// COMMIT fails it too.
    private func finish(_ write: PostgresQuery?, on connection: PostgresConnection, logger: Logger) async throws
        -> String?
    {
        let written: EventLoopFuture<PostgresQueryResult>? = write.map { connection.query($0, logger: logger) }
        let committed: EventLoopFuture<PostgresQueryResult> = connection.query("COMMIT", logger: logger)
        let version: String?
        do {
            version = try await written?.get().rows.first.map(Self.headVersion)
        } catch {
            _ = try? await committed.get()
            throw error
        }
        let command = try await committed.get().metadata.command
        guard command == "COMMIT" else {
            throw EventStoreError(
                code: .storageFailure,
                message: "The database \(database) answered \(command) to the COMMIT of a batch of appends; nothing "
                    + "was written.")
        }
        return version
    }

    /// Locks the one row of `log_head` until the end of the transaction and returns it. In a statement of its
    /// own: later statements take their snapshots after the lock is granted, so they see every batch committed
    /// before.
    static func lockLogHead(_ schema: PostgresSchema, on connection: PostgresConnection, logger: Logger) async throws
        -> (position: Int64, recordedAt: Int64)
    {
        let head = try head(try await connection.query(lockQuery(schema), logger: logger).collect())
        return (head.position, head.recordedAt)
    }

    /// The statement of ``lockLogHead(_:on:logger:)``.
    private static func lockQuery(_ schema: PostgresSchema) -> PostgresQuery {
        PostgresQuery(
            unsafeSQL: schema.qualify("SELECT position, recorded_at, xmin::text FROM {s}.log_head FOR UPDATE"))
    }

    /// The head in the answer of ``lockQuery(_:)``, with no stream lengths.
    private static func head(_ rows: [PostgresRow]) throws -> KnownHead.State {
        guard let row = rows.first else {
            throw EventStoreError(code: .storageFailure, message: "The log head of the schema is missing.")
        }
        let (position, recordedAt, version) = try row.decode((Int64, Int64, String).self)
        return KnownHead.State(position: position, recordedAt: recordedAt, version: version, lengths: [:])
    }

    /// Writes one append in a savepoint, then runs the inline projections that want its events; when the
    /// writes or a projection fail, rolls back to the savepoint and fails this append only. A failure to roll
    /// back (a lost connection) fails the batch.
    private func writeWithInlineProjections(
        _ request: AppendRequest, plan: inout Plan, on connection: PostgresConnection, logger: Logger
    ) async throws -> Result<[AppendResult], any Error> {
        let before = plan
        let outcome = plan.add(request)
        // Refused before anything is written, or answered from its idempotency key: nothing to isolate.
        guard case .success(let results) = outcome, plan.hasWrites else { return outcome }
        try await connection.query("SAVEPOINT append", logger: logger)
        do {
            // The statement also moves the head and notifies: a rollback to the savepoint undoes both.
            try await connection.query(plan.statement(schema: schema, channel: channel), logger: logger)
            plan.clearWrites()
            for event in Self.recordedEvents(request, results: results, recordedAt: plan.recordedAt) {
                try await applyInlineProjections(event, on: connection, logger: logger)
            }
            try await connection.query("RELEASE SAVEPOINT append", logger: logger)
            return outcome
        } catch {
            try await connection.query("ROLLBACK TO SAVEPOINT append", logger: logger)
            plan = before
            return .failure(PostgresErrors.translate(error, database: database))
        }
    }

    private func applyInlineProjections(_ event: RecordedEvent, on connection: PostgresConnection, logger: Logger)
        async throws
    {
        for projection in inlineProjections where projection.filter.matches(event) {
            do {
                try await projection.apply(event, in: connection, logger: logger)
            } catch {
                guard !PostgresErrors.isTransient(error) else { throw error }
                throw ProjectionError.inlineProjectionFailed(
                    projection.name, eventType: event.type, stream: event.stream, underlying: error)
            }
        }
    }

    /// The events of `request` as written, with the `results` of the append.
    private static func recordedEvents(_ request: AppendRequest, results: [AppendResult], recordedAt: Int64)
        -> [RecordedEvent]
    {
        zip(request.appends, results).flatMap { append, result in
            append.events.enumerated().map { offset, event in
                RecordedEvent(
                    id: event.id, stream: append.stream, type: event.type, data: event.data,
                    metadata: event.metadata, version: result.streamLength - result.count + offset + 1,
                    position: result.firstPosition + Int64(offset), recordedAt: Date(unixMilliseconds: recordedAt))
            }
        }
    }

    /// What the batch writes, built append by append.
    private struct Plan {
        var head: Int64
        let recordedAt: Int64
        let maximumStreamLength: Int?
        /// The streams' lengths, as stored and then as this batch leaves them.
        var lengths: [String: Int] = [:]
        /// The idempotency keys stored before and in this batch.
        var stored: [String: IdempotentAppend] = [:]
        /// The events and keys not written yet.
        var writes = LogWrite()

        var hasWrites: Bool { !writes.isEmpty }

        /// Forgets the events and keys once ``statement(schema:channel:)`` has written them.
        mutating func clearWrites() {
            writes = LogWrite()
        }

        /// Checks one append against the batch so far and, when it holds, adds its events.
        mutating func add(_ request: AppendRequest) -> Result<[AppendResult], any Error> {
            if let idempotency = request.idempotency, let previous = stored[idempotency.key] {
                guard previous.fingerprint == idempotency.fingerprint else {
                    return .failure(EventStoreError.idempotencyKeyConflict(idempotency.key))
                }
                return .success(previous.results)
            }
            do {
                for append in request.appends {
                    try AppendValidation.check(
                        append, currentLength: lengths[append.stream.description] ?? 0,
                        maximumStreamLength: maximumStreamLength)
                }
            } catch {
                return .failure(error)
            }
            let results = request.appends.map { append in
                let name = append.stream.description
                let length = lengths[name] ?? 0
                for (offset, event) in append.events.enumerated() {
                    writes.add(
                        event, stream: append.stream, version: length + offset + 1,
                        position: head + Int64(offset) + 1, recordedAt: recordedAt)
                }
                let result = AppendResult(
                    stream: append.stream, streamLength: length + append.events.count, count: append.events.count,
                    firstPosition: append.events.isEmpty ? 0 : head + 1)
                head += Int64(append.events.count)
                lengths[name] = result.streamLength
                return result
            }
            if let idempotency = request.idempotency {
                stored[idempotency.key] = IdempotentAppend(fingerprint: idempotency.fingerprint, results: results)
                writes.add(
                    IdempotencyRecord(
                        key: idempotency.key, fingerprint: idempotency.fingerprint, results: results,
                        recordedAt: Date(unixMilliseconds: recordedAt)))
            }
            return .success(results)
        }

        func statement(schema: PostgresSchema, channel: String, after known: KnownHead.State? = nil) -> PostgresQuery {
            writes.statement(schema: schema, head: head, recordedAt: recordedAt, channel: channel, after: known)
        }
    }
}
