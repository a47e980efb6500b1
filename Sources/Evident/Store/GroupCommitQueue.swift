import Synchronization

/// The queue in front of a store's writer: requests that arrive while a batch is being committed go together
/// into the next one (group commit), at most `maximumBatch` at a time, one batch at a time. The store's
/// `commit` decides each request's outcome; one refused request never fails its neighbours.
///
/// A batch is committed on the task of one of its submitters, not on a task of the queue's: a request that finds
/// the queue idle is committed at once by its own caller, without a hand-off to another thread, and a committer
/// that finds requests queued behind its batch wakes the first of them to commit the next one.
package final class GroupCommitQueue<Request: Sendable, Output: Sendable>: Sendable {
    /// Commits a batch and returns one outcome per request, in order. It runs on the task of one of the batch's
    /// submitters, so it must finish the batch even when that task is cancelled: the batch is others' too.
    package typealias Commit = @Sendable ([Request]) async -> [Result<Output, any Error>]

    /// What a queued submitter is woken with: its outcome, or its turn to commit the next batch.
    private enum Turn: Sendable {
        case answered(Result<Output, any Error>)
        case commit
    }

    private struct Pending {
        var request: Request
        var continuation: CheckedContinuation<Turn, Never>
    }

    private struct State {
        var pending: [Pending] = []
        /// Whether a submitter is committing a batch.
        var isCommitting = false
        var isClosed = false
        /// Callers of `close()` waiting for the queue to go idle.
        var closeWaiters: [CheckedContinuation<Void, Never>] = []
    }

    private let state = Mutex(State())
    private let maximumBatch: Int
    private let closedError: any Error
    private let commit: Commit

    /// `closedError` is what ``submit(_:)`` throws after ``close()``.
    package init(maximumBatch: Int, closedError: any Error, commit: @escaping Commit) {
        self.maximumBatch = max(1, maximumBatch)
        self.closedError = closedError
        self.commit = commit
    }

    /// Queues a request and returns its outcome once its batch is committed; fails at once when closed.
    package func submit(_ request: Request) async throws -> Output {
        let commitsNow = try state.withLock { state in
            guard !state.isClosed else { throw closedError }
            guard !state.isCommitting else { return false }
            state.isCommitting = true
            return true
        }
        if !commitsNow {
            let turn = await withCheckedContinuation { continuation in
                // The committer may have finished since the check above.
                let takesTurn = state.withLock { state -> Bool? in
                    guard !state.isClosed else { return nil }
                    guard state.isCommitting else {
                        state.isCommitting = true
                        return true
                    }
                    state.pending.append(Pending(request: request, continuation: continuation))
                    return false
                }
                switch takesTurn {
                case nil: continuation.resume(returning: .answered(.failure(closedError)))
                case true?: continuation.resume(returning: .commit)
                case false?: break
                }
            }
            if case .answered(let outcome) = turn { return try outcome.get() }
        }
        return try await commitBatch(startingWith: request).get()
    }

    /// Whether ``close()`` was called.
    package var isClosed: Bool { state.withLock { $0.isClosed } }

    /// Refuses new requests, then returns once every queued one is committed and answered.
    package func close() async {
        await withCheckedContinuation { continuation in
            let idle = state.withLock { state in
                state.isClosed = true
                if state.isCommitting { state.closeWaiters.append(continuation) }
                return !state.isCommitting
            }
            if idle { continuation.resume() }
        }
    }

    /// Commits `request` with the requests queued behind it (up to the batch's size), answers them, and hands the
    /// turn to the first request still queued; with none, marks the queue idle and lets a waiting `close()`
    /// return. Returns `request`'s outcome.
    private func commitBatch(startingWith request: Request) async -> Result<Output, any Error> {
        let others = state.withLock { state in
            let others = Array(state.pending.prefix(maximumBatch - 1))
            state.pending.removeFirst(others.count)
            return others
        }
        // A closure, not a key path: a key path into this generic type is built anew on every call (`perf`).
        let outcomes = await commit([request] + others.map { $0.request })
        precondition(outcomes.count == others.count + 1, "a commit must answer every request of its batch")
        let (next, closeWaiters) = state.withLock { state -> (Pending?, [CheckedContinuation<Void, Never>]) in
            guard state.pending.isEmpty else { return (state.pending.removeFirst(), []) }
            state.isCommitting = false
            defer { state.closeWaiters = [] }
            return (nil, state.closeWaiters)
        }
        // The next batch first: the answers can wait for it.
        next?.continuation.resume(returning: .commit)
        for (pending, outcome) in zip(others, outcomes.dropFirst()) {
            pending.continuation.resume(returning: .answered(outcome))
        }
        for waiter in closeWaiters { waiter.resume() }
        return outcomes[0]
    }
}

/// One append as a store's writer receives it.
package struct AppendRequest: Sendable {
    package var appends: [StreamAppend]
    package var idempotency: Idempotency?

    package init(appends: [StreamAppend], idempotency: Idempotency?) {
        self.appends = appends
        self.idempotency = idempotency
    }
}

/// An append's results and the log head after its commit.
package struct CommittedAppend: Sendable {
    package var results: [AppendResult]
    package var head: Int64

    package init(results: [AppendResult], head: Int64) {
        self.results = results
        self.head = head
    }
}
