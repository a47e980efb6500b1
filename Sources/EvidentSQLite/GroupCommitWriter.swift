import Dispatch
import Evident
import Foundation
import GRDB
import Synchronization

/// One append as the writer receives it.
struct AppendRequest: Sendable {
    var appends: [StreamAppend]
    var idempotency: Idempotency?
}

/// The single writer of a ``SQLiteEventStore``. Appends queue up while a transaction commits; the next
/// transaction takes all of them (group commit), each checked before it writes so a refused append leaves no
/// trace and fails alone. One `fsync` then acknowledges the whole group.
final class GroupCommitWriter: Sendable {
    private struct Pending {
        var request: AppendRequest
        var continuation: CheckedContinuation<([AppendResult], Int64), any Error>
    }

    private struct Queue {
        var pending: [Pending] = []
        var isDraining = false
    }

    private let pool: DatabasePool
    private let maximumBatch: Int
    private let maximumStreamLength: Int?
    private let path: String
    private let inlineProjections: [any SQLiteProjection]
    private let queue = Mutex(Queue())
    /// The thread that runs transactions; GRDB's write methods block it, never a Swift concurrency thread.
    private let drainQueue = DispatchQueue(label: "evident.sqlite.group-commit")

    init(
        pool: DatabasePool, maximumBatch: Int, maximumStreamLength: Int?, path: String,
        inlineProjections: [any SQLiteProjection] = []
    ) {
        self.inlineProjections = inlineProjections
        self.pool = pool
        self.maximumBatch = max(1, maximumBatch)
        self.maximumStreamLength = maximumStreamLength
        self.path = path
    }

    /// Queues an append and returns its results and the log head after its commit.
    ///
    /// When no commit is under way, the caller commits at once on its own thread (no thread hop at low load);
    /// appends that arrive meanwhile wait and are committed together by the writer queue.
    func submit(_ request: AppendRequest) async throws -> ([AppendResult], Int64) {
        try await withCheckedThrowingContinuation { continuation in
            let lead = queue.withLock { queue in
                queue.pending.append(Pending(request: request, continuation: continuation))
                guard !queue.isDraining else { return false }
                queue.isDraining = true
                return true
            }
            if lead && commitNextBatch() {
                drainQueue.async { self.drain() }
            }
        }
    }

    private func drain() {
        while commitNextBatch() {}
    }

    /// Commits the pending appends (up to the batch limit); returns whether more are pending. When none
    /// are, the writer is marked idle so the next caller leads.
    private func commitNextBatch() -> Bool {
        let batch = queue.withLock { queue -> [Pending] in
            let batch = Array(queue.pending.prefix(maximumBatch))
            queue.pending.removeFirst(batch.count)
            return batch
        }
        if !batch.isEmpty { commit(batch) }
        return queue.withLock { queue in
            if queue.pending.isEmpty { queue.isDraining = false }
            return queue.isDraining
        }
    }

    private func commit(_ batch: [Pending]) {
        var outcomes: [Result<[AppendResult], any Error>] = []
        var head: Int64 = 0
        do {
            try pool.writeWithoutTransaction { db in
                try db.inTransaction(.immediate) {
                    outcomes = []
                    var writer = try AppendSQL(
                        db: db, maximumStreamLength: maximumStreamLength, path: path,
                        inlineProjections: inlineProjections)
                    for pending in batch {
                        outcomes.append(try writer.appendIsolated(pending.request))
                    }
                    head = writer.head
                    return .commit
                }
            }
        } catch {
            // The commit itself failed: nothing of this batch was written.
            let failure = SQLiteErrors.translate(error, path: path)
            outcomes = batch.map { _ in .failure(failure) }
        }
        for (pending, outcome) in zip(batch, outcomes) {
            pending.continuation.resume(with: outcome.map { ($0, head) })
        }
    }
}
