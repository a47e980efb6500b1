import Dispatch
import Evident
import Foundation
import GRDB

/// The single writer of a ``SQLiteEventStore``. Appends queue up while a transaction commits; the next
/// transaction takes all of them (group commit), each checked before it writes so a refused append leaves no
/// trace and fails alone. One `fsync` then acknowledges the whole group.
///
/// Every transaction runs on the writer's own dispatch queue, never on a Swift concurrency thread: a caller
/// queues its append and suspends until the queue has committed it.
final class GroupCommitWriter: Sendable {
    private let queue: GroupCommitQueue<AppendRequest, CommittedAppend>

    init(
        pool: DatabasePool, maximumBatch: Int, maximumStreamLength: Int?, path: String,
        inlineProjections: [any SQLiteProjection] = [], chained: Bool = true
    ) {
        let transaction = BatchTransaction(
            pool: pool, maximumStreamLength: maximumStreamLength, path: path, inlineProjections: inlineProjections,
            chained: chained)
        // The thread that runs transactions; GRDB's write methods block it, never a Swift concurrency thread.
        let transactionQueue = DispatchQueue(label: "evident.sqlite.group-commit")
        queue = GroupCommitQueue(maximumBatch: maximumBatch, closedError: SQLiteErrors.closed(path: path)) { batch in
            await withCheckedContinuation { continuation in
                transactionQueue.async { continuation.resume(returning: transaction.commit(batch)) }
            }
        }
    }

    /// Queues an append and returns its results and the log head after its commit. Fails at once when the
    /// writer is closed.
    func submit(_ request: AppendRequest) async throws -> CommittedAppend {
        try await queue.submit(request)
    }

    /// Whether ``close()`` was called.
    var isClosed: Bool { queue.isClosed }

    /// Refuses new appends, then returns once every queued append is committed and acknowledged.
    func close() async {
        await queue.close()
    }
}

/// The write transaction of one batch.
private struct BatchTransaction: Sendable {
    let pool: DatabasePool
    let maximumStreamLength: Int?
    let path: String
    let inlineProjections: [any SQLiteProjection]
    let chained: Bool

    func commit(_ batch: [AppendRequest]) -> [Result<CommittedAppend, any Error>] {
        var outcomes: [Result<[AppendResult], any Error>] = []
        var head: Int64 = 0
        do {
            try pool.writeWithoutTransaction { db in
                try db.inTransaction(.immediate) {
                    outcomes = []
                    var writer = try AppendSQL(
                        db: db, maximumStreamLength: maximumStreamLength, path: path,
                        inlineProjections: inlineProjections, chained: chained)
                    for request in batch {
                        outcomes.append(try writer.appendIsolated(request))
                    }
                    head = writer.head
                    return .commit
                }
            }
        } catch {
            // The commit itself failed: nothing of this batch was written.
            let failure = SQLiteErrors.translate(error, path: path)
            return batch.map { _ in .failure(failure) }
        }
        return outcomes.map { $0.map { CommittedAppend(results: $0, head: head) } }
    }
}
