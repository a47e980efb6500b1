/// The events of a log after a position: first those stored, then live ones, in position order, each once.
///
/// It pulls one page at a time and only when the consumer asks for more, so a slow consumer holds back
/// reading rather than growing a buffer.
///
/// ```swift
/// for try await event in store.subscribe(after: checkpoint) { try await handle(event) }
/// ```
public struct EventSubscription: AsyncSequence, Sendable {
    public typealias Element = RecordedEvent

    let store: any EventStore
    let after: Int64
    let filter: LogFilter
    /// How many events one read fetches.
    public var pageSize = 500
    /// How long to wait for an append before polling the store again (for writers in other processes).
    public var pollInterval: Duration = .milliseconds(250)

    init(store: any EventStore, after: Int64, filter: LogFilter) {
        self.store = store
        self.after = after
        self.filter = filter
    }

    public func makeAsyncIterator() -> Iterator {
        Iterator(subscription: self, cursor: after)
    }

    public struct Iterator: AsyncIteratorProtocol {
        let subscription: EventSubscription
        /// Every event at or before this position was delivered or filtered out.
        var cursor: Int64

        /// The position up to which the log has been read: every event at or before it was delivered or
        /// filtered out.
        public var position: Int64 { cursor }
        var buffer: [RecordedEvent] = []
        var index = 0

        public mutating func next() async throws -> RecordedEvent? {
            while index == buffer.count {
                buffer = try await nextBatch(idleTimeout: subscription.pollInterval)
            }
            defer { index += 1 }
            return buffer[index]
        }

        /// The next events in order, or an empty array when none arrived within `idleTimeout` (so a consumer
        /// can do something while idle, such as sending a heartbeat). Do not mix with ``next()``'s buffer:
        /// call one or the other.
        public mutating func nextBatch(idleTimeout: Duration) async throws -> [RecordedEvent] {
            try Task.checkCancellation()
            let store = subscription.store
            let head = try await store.headPosition()
            var batch = try await store.readLog(
                after: cursor, filter: subscription.filter, limit: subscription.pageSize)
            if batch.isEmpty {
                // Positions are in commit order, so nothing more can appear at or below `head`.
                cursor = Swift.max(cursor, head)
                try await store.waitForAppends(after: cursor, timeout: idleTimeout)
                batch = try await store.readLog(
                    after: cursor, filter: subscription.filter, limit: subscription.pageSize)
            }
            if let last = batch.last { cursor = last.position }
            index = 0
            return batch
        }
    }
}
