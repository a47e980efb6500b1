import Foundation
import Synchronization

/// The head position of a log, with waiters that resume when it moves past theirs. Stores use it to wake
/// subscribers after an append; waiting is cancellable.
public final class PositionWatch: Sendable {
    private struct Waiter {
        var after: Int64
        var continuation: CheckedContinuation<Void, Never>
    }

    private struct State {
        var head: Int64
        var waiters: [UUID: Waiter] = [:]
    }

    private let state: Mutex<State>

    public init(head: Int64 = 0) {
        state = Mutex(State(head: head))
    }

    /// The latest head announced.
    public var head: Int64 { state.withLock { $0.head } }

    /// Announces that the log's head is now `position`, resuming every waiter it passes.
    public func advance(to position: Int64) {
        let ready = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            guard position > state.head else { return [] }
            state.head = position
            let passed = state.waiters.filter { $0.value.after < position }
            for id in passed.keys { state.waiters[id] = nil }
            return passed.values.map(\.continuation)
        }
        for continuation in ready { continuation.resume() }
    }

    /// Returns once the head is past `position`, or when the task is cancelled.
    public func wait(after position: Int64) async {
        let id = UUID()
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let resumeNow = state.withLock { state -> Bool in
                    if state.head > position || Task.isCancelled { return true }
                    state.waiters[id] = Waiter(after: position, continuation: continuation)
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            state.withLock { $0.waiters.removeValue(forKey: id) }?.continuation.resume()
        }
    }

    /// Returns once the head is past `position` or `timeout` has passed.
    public func wait(after position: Int64, timeout: Duration) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await self.wait(after: position) }
            group.addTask { try? await Task.sleep(for: timeout) }
            try await group.next()
            group.cancelAll()
        }
        try Task.checkCancellation()
    }
}
