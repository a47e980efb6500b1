import Evident
import Foundation
import Logging
import NIOCore
import PostgresNIO

/// Commits one batch of appends (see `docs/storage.md`, "Positions on PostgreSQL") through the schema's
/// `append_batch` function (``PostgresSchema/appendBatchFunction``): one statement, in autocommit, whatever
/// other stores do meanwhile.
///
/// The function locks the one row of `log_head` and holds the lock until its commit: every batch of every node
/// takes that lock, so batches commit one at a time, each numbering its events from the head it found.
/// Positions are therefore dense (a failed statement leaves the head as it was) and in commit order (a batch
/// cannot number events before the previous one has committed). Expectations and idempotency keys are checked
/// under the same lock, against committed data, so they hold across nodes. Refused appends leave no trace;
/// their neighbours in the batch are written.
///
/// With inline projections, the batch is a transaction in which each append calls the function in a savepoint
/// of its own, followed by the projections' writes for its events, so that a projection that throws fails that
/// append alone (``commitWithInlineProjections(_:on:logger:)``).
struct PostgresAppendBatch {
    let schema: PostgresSchema
    let maximumStreamLength: Int?
    let channel: String
    let inlineProjections: [any PostgresProjection]
    /// The database's description, for errors.
    let database: String

    /// Commits `requests` in one statement, which `run` sends; returns each one's outcome. Without inline
    /// projections only.
    func commit(_ requests: [AppendRequest], run: (PostgresQuery) async throws -> PostgresQueryResult) async throws
        -> [Result<CommittedAppend, any Error>]
    {
        let answer = try await call(requests, run: run)
        return answer.outcomes.map { $0.map { CommittedAppend(results: $0, head: answer.head) } }
    }

    /// Calls `append_batch` for `requests` through `run` and reads its answer.
    private func call(_ requests: [AppendRequest], run: (PostgresQuery) async throws -> PostgresQueryResult)
        async throws -> AppendBatchAnswer
    {
        let call = AppendBatchCall(requests)
        let rows = try await run(call.query(schema: schema, maximumStreamLength: maximumStreamLength, channel: channel))
            .rows
        guard let row = rows.first else {
            throw EventStoreError(
                code: .storageFailure, message: "The database \(database) answered a batch with no row.")
        }
        return try call.answer(row, maximumStreamLength: maximumStreamLength)
    }

    /// The batch as one transaction, each append in a savepoint with its inline projections' writes. A failure to
    /// roll back (a lost connection) fails the batch.
    func commitWithInlineProjections(
        _ requests: [AppendRequest], on connection: PostgresConnection, logger: Logger
    ) async throws -> [Result<CommittedAppend, any Error>] {
        try await connection.transaction(logger: logger) {
            var outcomes: [Result<[AppendResult], any Error>] = []
            var head: Int64 = 0
            for request in requests {
                try await connection.query("SAVEPOINT append", logger: logger)
                do {
                    // The function also moves the head and notifies: a rollback to the savepoint undoes both.
                    // The future hands the whole answer back in one hop from the event loop.
                    let answer = try await call([request]) { try await connection.query($0, logger: logger).get() }
                    if case .success(let results) = answer.outcomes[0], !results.allSatisfy(\.isReplay) {
                        for event in Self.recordedEvents(request, results: results, recordedAt: answer.recordedAt) {
                            try await applyInlineProjections(event, on: connection, logger: logger)
                        }
                    }
                    try await connection.query("RELEASE SAVEPOINT append", logger: logger)
                    head = answer.head
                    outcomes.append(answer.outcomes[0])
                } catch {
                    try await connection.query("ROLLBACK TO SAVEPOINT append", logger: logger)
                    outcomes.append(.failure(PostgresErrors.translate(error, database: database)))
                }
            }
            return outcomes.map { $0.map { CommittedAppend(results: $0, head: head) } }
        }
    }

    private func applyInlineProjections(_ event: RecordedEvent, on connection: PostgresConnection, logger: Logger)
        async throws
    {
        let isReceipt = ForgettingReceipt.isReceipt(event)
        for projection in inlineProjections where isReceipt || projection.filter.matches(event) {
            do {
                try await projection.handle(event, in: connection, logger: logger)
            } catch {
                guard !PostgresErrors.isTransient(error) else { throw error }
                throw ProjectionError.inlineProjectionFailed(
                    projection.name, eventType: event.type, stream: event.stream, underlying: error)
            }
        }
    }

    /// The events of `request` as written, with the `results` of the append, as reads will return them.
    private static func recordedEvents(_ request: AppendRequest, results: [AppendResult], recordedAt: Int64)
        -> [RecordedEvent]
    {
        zip(request.appends, results).flatMap { append, result in
            append.events.enumerated().map { offset, event in
                let read = event.asRead
                return RecordedEvent(
                    id: event.id, stream: append.stream, type: event.type, data: read.data,
                    metadata: read.metadata, version: result.streamLength - result.count + offset + 1,
                    position: result.firstPosition + Int64(offset), recordedAt: Date(unixMilliseconds: recordedAt))
            }
        }
    }

    /// Locks the one row of `log_head` until the end of the transaction and returns it. In a statement of its
    /// own: later statements take their snapshots after the lock is granted, so they see every batch committed
    /// before.
    static func lockLogHead(_ schema: PostgresSchema, on connection: PostgresConnection, logger: Logger) async throws
        -> (position: Int64, recordedAt: Int64, hash: [UInt8])
    {
        let rows = try await connection.query(
            PostgresQuery(unsafeSQL: schema.qualify("SELECT position, recorded_at, hash FROM {s}.log_head FOR UPDATE")),
            logger: logger
        ).collect()
        guard let row = rows.first else {
            throw EventStoreError(code: .storageFailure, message: "The log head of the schema is missing.")
        }
        let (position, recordedAt, hash) = try row.decode((Int64, Int64, ByteBuffer).self)
        return (position, recordedAt, Array(hash.readableBytesView))
    }
}

/// What `append_batch` answered: each request's outcome, the head after the batch, and the time its events
/// were recorded at.
private struct AppendBatchAnswer {
    var outcomes: [Result<[AppendResult], any Error>]
    var head: Int64
    var recordedAt: Int64
}

/// The arguments of one call of `append_batch` (``PostgresSchema/appendBatchFunction`` describes them), and
/// the reading of its answer.
private struct AppendBatchCall {
    private let requests: [AppendRequest]
    private var streamNames: [String] = []
    private var streamCategories: [String] = []
    private var keyNames: [String] = []
    private var requestKeySlots: [Int] = []
    private var requestFingerprints: [String] = []
    private var requestAppendCounts: [Int] = []
    private var appendStreamSlots: [Int] = []
    private var appendExpected: [Int] = []
    private var appendEventCounts: [Int] = []
    private var eventAppends: [Int] = []
    private var eventIds: [UUID] = []
    private var eventTypes: [String] = []
    private var eventData: [String] = []
    private var eventMetadata: [String] = []
    private var subjectKeyRequests: [Int] = []
    private var subjectKeyIds: [UUID] = []

    init(_ requests: [AppendRequest]) {
        self.requests = requests
        // Slots are 1-based, as SQL arrays; a key slot of 0 is no key.
        var streamSlots: [String: Int] = [:]
        var keySlots: [String: Int] = [:]
        for (index, request) in requests.enumerated() {
            for key in request.liveSubjectKeys {
                subjectKeyRequests.append(index + 1)
                subjectKeyIds.append(key.id)
            }
            if let idempotency = request.idempotency {
                requestKeySlots.append(Self.slot(of: idempotency.key, in: &keySlots, names: &keyNames))
                requestFingerprints.append(idempotency.fingerprint)
            } else {
                requestKeySlots.append(0)
                requestFingerprints.append("")
            }
            requestAppendCounts.append(request.appends.count)
            for append in request.appends {
                let name = append.stream.description
                let count = streamNames.count
                appendStreamSlots.append(Self.slot(of: name, in: &streamSlots, names: &streamNames))
                if streamNames.count > count { streamCategories.append(append.stream.category) }
                appendExpected.append(Self.code(append.expectedVersion))
                appendEventCounts.append(append.events.count)
                for event in append.events {
                    eventAppends.append(appendStreamSlots.count)
                    eventIds.append(event.id)
                    eventTypes.append(event.type)
                    eventData.append(event.data.serializedString())
                    eventMetadata.append(event.metadata.json.serializedString())
                }
            }
        }
    }

    private static func slot(of name: String, in slots: inout [String: Int], names: inout [String]) -> Int {
        if let slot = slots[name] { return slot }
        names.append(name)
        slots[name] = names.count
        return names.count
    }

    /// An expectation as `append_batch` takes it (``AppendValidation/checkShape(_:)`` refuses negative lengths).
    private static func code(_ expected: ExpectedVersion) -> Int {
        switch expected {
        case .any: -1
        case .noStream: -2
        case .streamExists: -3
        case .exact(let length): length
        }
    }

    func query(schema: PostgresSchema, maximumStreamLength: Int?, channel: String) -> PostgresQuery {
        var binds = PostgresBindings(capacity: 19)
        binds.append(streamNames)
        binds.append(streamCategories)
        binds.append(keyNames)
        binds.append(requestKeySlots)
        binds.append(requestFingerprints)
        binds.append(requestAppendCounts)
        binds.append(appendStreamSlots)
        binds.append(appendExpected)
        binds.append(appendEventCounts)
        binds.append(eventAppends)
        binds.append(eventIds)
        binds.append(eventTypes)
        binds.append(eventData)
        binds.append(eventMetadata)
        binds.append(maximumStreamLength)
        binds.append(Date().unixMilliseconds)
        binds.append(channel)
        binds.append(subjectKeyRequests)
        binds.append(subjectKeyIds)
        return PostgresQuery(
            unsafeSQL: schema.qualify(
                """
                SELECT outcomes, details, lengths, replays, head_position, head_recorded_at
                FROM {s}.append_batch(
                    $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19)
                """
            ), binds: binds)
    }

    /// Each request's outcome from the function's answer: the results of a written or replayed append, or the
    /// error of a refused one, made by the same checks as every store's from the length the function found.
    func answer(_ row: PostgresRow, maximumStreamLength: Int?) throws -> AppendBatchAnswer {
        let (outcomes, details, lengths, replays, head, recordedAt) = try row.decode(
            ([Int16], [Int64], [Int], [String], Int64, Int64).self)
        guard outcomes.count == requests.count, lengths.count == appendStreamSlots.count else {
            throw EventStoreError(code: .storageFailure, message: "The answer to a batch of appends does not match it.")
        }
        var firstAppend = 0
        var results: [Result<[AppendResult], any Error>] = []
        for (index, request) in requests.enumerated() {
            let before = lengths[firstAppend..<firstAppend + request.appends.count]
            firstAppend += request.appends.count
            results.append(
                Result {
                    try Self.outcome(
                        of: request, code: outcomes[index], detail: details[index], lengths: Array(before),
                        replay: replays[index], maximumStreamLength: maximumStreamLength)
                })
        }
        return AppendBatchAnswer(outcomes: results, head: head, recordedAt: recordedAt)
    }

    private static func outcome(
        of request: AppendRequest, code: Int16, detail: Int64, lengths: [Int], replay: String,
        maximumStreamLength: Int?
    ) throws -> [AppendResult] {
        switch code {
        case 0:
            var position = detail
            return zip(request.appends, lengths).map { append, length in
                let count = append.events.count
                defer { position += Int64(count) }
                return AppendResult(
                    stream: append.stream, streamLength: length + count, count: count,
                    firstPosition: count == 0 ? 0 : position)
            }
        case 1:
            let stored = try IdempotentAppend.results(stored: JSON(parsing: replay))
            return IdempotentAppend(fingerprint: "", results: stored).results
        case 2:
            throw EventStoreError.idempotencyKeyConflict(request.idempotency?.key ?? "")
        case 4:
            throw SubjectKeyConflict()
        default:
            let index = Int(detail)
            if request.appends.indices.contains(index) {
                try AppendValidation.check(
                    request.appends[index], currentLength: lengths[index], maximumStreamLength: maximumStreamLength)
            }
            throw EventStoreError(
                code: .storageFailure, message: "The database refused an append that passes every check here.")
        }
    }
}
