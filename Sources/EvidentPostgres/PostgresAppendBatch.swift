import Evident
import Foundation
import Logging
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
/// are written. Reads and writes take 5 round trips: BEGIN, the lock, the look-ups, one statement that writes
/// everything, COMMIT. With inline projections, each append that passes its checks is written in a savepoint
/// of its own with the projections' writes for its events (3 more round trips and the projections' own), so
/// that a projection that throws fails that append alone.
struct PostgresAppendBatch {
    let schema: PostgresSchema
    let maximumStreamLength: Int?
    let channel: String
    let inlineProjections: [any PostgresProjection]
    /// The database's description, for errors.
    let database: String

    /// Commits `requests`; returns each one's outcome.
    func commit(_ requests: [AppendRequest], on connection: PostgresConnection, logger: Logger) async throws
        -> [Result<CommittedAppend, any Error>]
    {
        let (outcomes, head) = try await connection.transaction(logger: logger) {
            try await write(requests, on: connection, logger: logger)
        }
        return outcomes.map { $0.map { CommittedAppend(results: $0, head: head) } }
    }

    private func write(_ requests: [AppendRequest], on connection: PostgresConnection, logger: Logger) async throws
        -> (outcomes: [Result<[AppendResult], any Error>], head: Int64)
    {
        let (head, lastRecordedAt) = try await Self.lockLogHead(schema, on: connection, logger: logger)
        var plan = Plan(
            head: head, recordedAt: max(Date().unixMilliseconds, lastRecordedAt),
            maximumStreamLength: maximumStreamLength)
        try await plan.load(requests, schema: schema, connection: connection, logger: logger)
        guard !inlineProjections.isEmpty else {
            let outcomes = requests.map { plan.add($0) }
            if plan.hasWrites {
                try await connection.query(plan.statement(schema: schema, channel: channel), logger: logger)
            }
            return (outcomes, plan.head)
        }
        var outcomes: [Result<[AppendResult], any Error>] = []
        for request in requests {
            outcomes.append(try await writeWithInlineProjections(request, plan: &plan, on: connection, logger: logger))
        }
        return (outcomes, plan.head)
    }

    /// Locks the one row of `log_head` until the end of the transaction and returns it. In a statement of its
    /// own: later statements take their snapshots after the lock is granted, so they see every batch committed
    /// before.
    static func lockLogHead(_ schema: PostgresSchema, on connection: PostgresConnection, logger: Logger) async throws
        -> (position: Int64, recordedAt: Int64)
    {
        let locked = try await connection.query(
            PostgresQuery(unsafeSQL: schema.qualify("SELECT position, recorded_at FROM {s}.log_head FOR UPDATE")),
            logger: logger)
        return try await locked.decode((Int64, Int64).self).first { _ in true } ?? (0, 0)
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

        /// Reads the current lengths of the batch's streams and the results stored under its keys.
        mutating func load(
            _ requests: [AppendRequest], schema: PostgresSchema, connection: PostgresConnection, logger: Logger
        ) async throws {
            let keys = Array(Set(requests.compactMap(\.idempotency?.key)))
            if !keys.isEmpty {
                let rows = try await connection.query(
                    PostgresQuery(
                        unsafeSQL: schema.qualify(
                            "SELECT key, fingerprint, result FROM {s}.idempotency_keys WHERE key = ANY($1)"),
                        binds: bindings(keys)), logger: logger)
                for try await (key, fingerprint, result) in rows.decode((String, String, String).self) {
                    stored[key] = IdempotentAppend(
                        fingerprint: fingerprint, results: try IdempotentAppend.results(stored: JSON(parsing: result)))
                }
            }
            lengths = try await LogWrite.lengths(
                of: Array(Set(requests.flatMap { $0.appends.map(\.stream.description) })), schema: schema,
                on: connection, logger: logger)
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

        func statement(schema: PostgresSchema, channel: String) -> PostgresQuery {
            writes.statement(schema: schema, head: head, recordedAt: recordedAt, channel: channel)
        }
    }
}
