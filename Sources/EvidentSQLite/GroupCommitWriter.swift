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
///
/// Every transaction runs on the writer's own dispatch queue, never on a Swift concurrency thread: a caller
/// queues its append and suspends until the queue has committed it.
final class GroupCommitWriter: Sendable {
    private struct Pending {
        var request: AppendRequest
        var continuation: CheckedContinuation<([AppendResult], Int64), any Error>
    }

    private struct State {
        var pending: [Pending] = []
        /// Whether a drain is scheduled or running on `drainQueue`.
        var isDraining = false
        var isClosed = false
        /// Callers of `close()` waiting for the writer to go idle.
        var closeWaiters: [CheckedContinuation<Void, Never>] = []
    }

    private let pool: DatabasePool
    private let maximumBatch: Int
    private let maximumStreamLength: Int?
    private let path: String
    private let inlineProjections: [any SQLiteProjection]
    private let state = Mutex(State())
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

    /// Queues an append and returns its results and the log head after its commit. Fails at once when the
    /// writer is closed.
    func submit(_ request: AppendRequest) async throws -> ([AppendResult], Int64) {
        try await withCheckedThrowingContinuation { continuation in
            let start = state.withLock { state -> Bool? in
                guard !state.isClosed else { return nil }
                state.pending.append(Pending(request: request, continuation: continuation))
                guard !state.isDraining else { return false }
                state.isDraining = true
                return true
            }
            switch start {
            case nil: continuation.resume(throwing: SQLiteErrors.closed(path: path))
            case true?: drainQueue.async { self.drain() }
            case false?: break
            }
        }
    }

    /// Whether ``close()`` was called.
    var isClosed: Bool { state.withLock { $0.isClosed } }

    /// Refuses new appends, then returns once every queued append is committed and acknowledged.
    func close() async {
        await withCheckedContinuation { continuation in
            let idle = state.withLock { state in
                state.isClosed = true
                if state.isDraining { state.closeWaiters.append(continuation) }
                return !state.isDraining
            }
            if idle { continuation.resume() }
        }
    }

    /// Commits batches until none is pending, then marks the writer idle (the next append schedules a new
    /// drain) and lets a waiting `close()` return.
    private func drain() {
        while true {
            let (batch, closeWaiters) = state.withLock { state in
                let batch = Array(state.pending.prefix(maximumBatch))
                state.pending.removeFirst(batch.count)
                guard batch.isEmpty else { return (batch, [CheckedContinuation<Void, Never>]()) }
                state.isDraining = false
                defer { state.closeWaiters = [] }
                return (batch, state.closeWaiters)
            }
            guard !batch.isEmpty else {
                for waiter in closeWaiters { waiter.resume() }
                return
            }
            commit(batch)
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
