import Evident
import Foundation
import GRDB

/// The statements of one write transaction: checks expectations and idempotency keys, then inserts events.
struct AppendSQL {
    let db: Database
    let maximumStreamLength: Int?
    let path: String
    let inlineProjections: [any SQLiteProjection]
    /// The last position written so far in this transaction.
    private(set) var head: Int64
    private(set) var recordedAt: Int64
    private(set) var insertEvent: ChainedInsert
    private let selectLength: Statement

    /// `chained` false (benchmarks only) stores events without their hash.
    init(
        db: Database, maximumStreamLength: Int?, path: String, inlineProjections: [any SQLiteProjection] = [],
        chained: Bool = true
    ) throws {
        self.db = db
        self.inlineProjections = inlineProjections
        self.path = path
        self.maximumStreamLength = maximumStreamLength
        let last = try Row.fetchOne(
            db, sql: "SELECT position, recorded_at FROM evident_events ORDER BY position DESC LIMIT 1")
        head = last?[0] ?? 0
        // Recording times never go backward in the log, so time travel by timestamp sees a prefix.
        let now = Date().unixMilliseconds
        recordedAt = max(now, last?[1] ?? now)
        insertEvent = try ChainedInsert(db, chained: chained)
        selectLength = try db.cachedStatement(
            sql: "SELECT version FROM evident_events WHERE stream = ? ORDER BY version DESC LIMIT 1")
    }

    /// Runs one append so that, if it is refused, it leaves no trace and the transaction goes on.
    ///
    /// Every check (idempotency key, expected versions, length limit) runs before anything is written, so a
    /// refused append has written nothing and needs no savepoint; a savepoint is taken only when inline
    /// projections, which may fail while events are written, are configured. An unexpected database error
    /// while writing is thrown: it fails the whole transaction, and so every append of the group.
    mutating func appendIsolated(_ request: AppendRequest) throws -> Result<[AppendResult], any Error> {
        let lengths: [Int]
        do {
            switch try check(request) {
            case .replay(let results): return .success(results)
            case .write(let current): lengths = current
            }
        } catch {
            return .failure(SQLiteErrors.translate(error, path: path))
        }
        guard !inlineProjections.isEmpty else { return .success(try write(request, lengths: lengths)) }
        let headBefore = head
        let hashBefore = insertEvent.previous
        var results: [AppendResult] = []
        do {
            try db.inSavepoint {
                results = try write(request, lengths: lengths)
                return .commit
            }
            return .success(results)
        } catch {
            head = headBefore
            insertEvent.rewind(to: hashBefore)
            return .failure(SQLiteErrors.translate(error, path: path))
        }
    }

    private enum CheckedAppend {
        /// The key was used before for the same request: its stored results.
        case replay([AppendResult])
        /// Every expectation holds; the streams' current lengths.
        case write([Int])
    }

    private func check(_ request: AppendRequest) throws -> CheckedAppend {
        if let idempotency = request.idempotency,
            let stored = try Self.idempotentAppend(forKey: idempotency.key, in: db)
        {
            guard stored.fingerprint == idempotency.fingerprint else {
                throw EventStoreError.idempotencyKeyConflict(idempotency.key)
            }
            return .replay(stored.results)
        }
        for key in request.newSubjectKeys
        where try Bool.fetchOne(
            db, sql: "SELECT EXISTS (SELECT 1 FROM evident_subject_keys WHERE subject_hash = ?)",
            arguments: [key.subjectHash]) == true
        {
            throw SubjectKeyConflict()
        }
        for key in request.liveSubjectKeys
        where try Bool.fetchOne(
            db,
            sql: "SELECT EXISTS (SELECT 1 FROM evident_subject_keys WHERE key_id = ? AND material IS NOT NULL)",
            arguments: [key.id.uuidString.lowercased()]) != true
        {
            throw SubjectKeyConflict()
        }
        return .write(
            try request.appends.map { append in
                let length = try Int.fetchOne(selectLength, arguments: [append.stream.description]) ?? 0
                try AppendValidation.check(append, currentLength: length, maximumStreamLength: maximumStreamLength)
                return length
            })
    }

    private mutating func write(_ request: AppendRequest, lengths: [Int]) throws -> [AppendResult] {
        for key in request.newSubjectKeys { try SQLiteEventStore.insertSubjectKey(key, in: db) }
        var results: [AppendResult] = []
        for (append, length) in zip(request.appends, lengths) {
            let firstPosition = append.events.isEmpty ? 0 : head + 1
            for (offset, event) in append.events.enumerated() {
                head += 1
                try insertEvent.insert(
                    position: head, id: event.id, stream: append.stream, version: length + offset + 1,
                    type: event.type, data: event.data, metadata: event.metadata, recordedAt: recordedAt)
                if !inlineProjections.isEmpty {
                    try applyInlineProjections(event, stream: append.stream, version: length + offset + 1)
                }
            }
            results.append(
                AppendResult(
                    stream: append.stream, streamLength: length + append.events.count, count: append.events.count,
                    firstPosition: firstPosition))
        }
        if let idempotency = request.idempotency {
            try db.execute(
                sql: "INSERT INTO evident_idempotency_keys (key, fingerprint, result, recorded_at) VALUES (?, ?, ?, ?)",
                arguments: [
                    idempotency.key, idempotency.fingerprint, IdempotentAppend.stored(results).serializedString(),
                    recordedAt,
                ])
        }
        return results
    }

    static func idempotentAppend(forKey key: String, in db: Database) throws -> IdempotentAppend? {
        guard
            let row = try Row.fetchOne(
                db, sql: "SELECT fingerprint, result FROM evident_idempotency_keys WHERE key = ?", arguments: [key])
        else { return nil }
        return IdempotentAppend(
            fingerprint: row[0], results: try IdempotentAppend.results(stored: JSON(parsing: row[1] as String)))
    }
}
