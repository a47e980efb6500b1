import Synchronization

/// The queue in front of a store's writer: requests that arrive while a batch is being committed go together
/// into the next one (group commit), at most `maximumBatch` at a time, one batch at a time. The store's
/// `commit` decides each request's outcome; one refused request never fails its neighbours.
package final class GroupCommitQueue<Request: Sendable, Output: Sendable>: Sendable {
    /// Commits a batch and returns one outcome per request, in order.
    package typealias Commit = @Sendable ([Request]) async -> [Result<Output, any Error>]

    private struct Pending {
        var request: Request
        var continuation: CheckedContinuation<Output, any Error>
    }

    private struct State {
        var pending: [Pending] = []
        /// Whether a task is committing batches.
        var isDraining = false
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
        try await withCheckedThrowingContinuation { continuation in
            let start = state.withLock { state -> Bool? in
                guard !state.isClosed else { return nil }
                state.pending.append(Pending(request: request, continuation: continuation))
                guard !state.isDraining else { return false }
                state.isDraining = true
                return true
            }
            switch start {
            case nil: continuation.resume(throwing: closedError)
            case true?: Task { await drain() }
            case false?: break
            }
        }
    }

    /// Whether ``close()`` was called.
    package var isClosed: Bool { state.withLock { $0.isClosed } }

    /// Refuses new requests, then returns once every queued one is committed and answered.
    package func close() async {
        await withCheckedContinuation { continuation in
            let idle = state.withLock { state in
                state.isClosed = true
                if state.isDraining { state.closeWaiters.append(continuation) }
                return !state.isDraining
            }
            if idle { continuation.resume() }
        }
    }

    /// Commits batches until none is pending, then marks the queue idle (the next request starts a new drain)
    /// and lets a waiting `close()` return.
    private func drain() async {
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
            let outcomes = await commit(batch.map(\.request))
            precondition(outcomes.count == batch.count, "a commit must answer every request of its batch")
            for (pending, outcome) in zip(batch, outcomes) { pending.continuation.resume(with: outcome) }
        }
    }
}

/// One append as a store's writer receives it.
package struct AppendRequest: Sendable {
    package var appends: [StreamAppend]
    package var idempotency: Idempotency?
    /// New data subjects' keys that the events are sealed with, kept with them.
    package var newSubjectKeys: [SubjectKey]
    /// Stored keys that the events are sealed with, which must still be live.
    package var liveSubjectKeys: [SubjectKey]

    package init(
        appends: [StreamAppend], idempotency: Idempotency?, newSubjectKeys: [SubjectKey] = [],
        liveSubjectKeys: [SubjectKey] = []
    ) {
        self.appends = appends
        self.idempotency = idempotency
        self.newSubjectKeys = newSubjectKeys
        self.liveSubjectKeys = liveSubjectKeys
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
