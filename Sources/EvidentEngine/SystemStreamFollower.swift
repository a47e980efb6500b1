import Evident
import Synchronization

/// A value folded from a system stream (`$spec:current`, `$keys:all`), kept up to date by reading only the
/// events appended since the last read, a page at a time, and at most once per interval unless forced: other
/// processes on the same store append to these streams too.
final class SystemStreamFollower<Value: Sendable>: Sendable {
    private struct Folded {
        var value: Value
        var version = 0
        var lastRefresh: ContinuousClock.Instant?
    }

    static var pageSize: Int { 1_000 }

    let stream: StreamName
    private let store: any EventStore
    private let interval: Duration
    private let apply: @Sendable (inout Value, RecordedEvent) -> Void
    private let folded: Mutex<Folded>

    init(
        store: any EventStore, stream: StreamName, interval: Duration, initial: Value,
        apply: @escaping @Sendable (inout Value, RecordedEvent) -> Void
    ) {
        self.store = store
        self.stream = stream
        self.interval = interval
        self.apply = apply
        folded = Mutex(Folded(value: initial))
    }

    /// The value and the stream version it has folded, without reading the store.
    var current: (value: Value, version: Int) { folded.withLock { ($0.value, $0.version) } }

    /// Folds the events appended since the last refresh (if one is due, or `force`) and returns the value.
    @discardableResult
    func refresh(force: Bool = false) async throws -> (value: Value, version: Int) {
        let now = ContinuousClock.now
        let due = folded.withLock { folded in
            if !force, let last = folded.lastRefresh, last.duration(to: now) < interval { return false }
            folded.lastRefresh = now
            return true
        }
        guard due else { return current }
        while true {
            let known = folded.withLock { $0.version }
            let page = try await store.readStream(
                stream, from: known + 1, direction: .forward, limit: Self.pageSize)
            folded.withLock { folded in
                // A concurrent refresh may have folded some of these already.
                for event in page where event.version == folded.version + 1 {
                    apply(&folded.value, event)
                    folded.version = event.version
                }
            }
            if page.count < Self.pageSize { return current }
        }
    }
}
