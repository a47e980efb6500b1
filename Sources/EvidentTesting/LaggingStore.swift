public import Evident

/// A read store that lags behind its primary, as a replica does: it reads `primary` but shows only the events
/// up to the head the test has released (``release(through:)``, ``releaseAll()``), and its waits for appends
/// wake when that head moves. Each wait is announced on ``waits``, so a test knows that a reader is waiting
/// before it releases the head, with no sleep. Like a replica, it refuses appends.
///
/// ```swift
/// let replica = LaggingStore(primary: store)
/// let engine = SpecEngine(store: store, readStore: replica)
/// // … write through the engine; a read waiting for the write's position waits until:
/// try await replica.releaseAll()
/// ```
public final class LaggingStore: EventStore, StreamListing {
    public let primary: any EventStore
    /// The position after which each wait for appends waits, as each wait begins.
    public let waits: AsyncStream<Int64>
    private let announceWait: AsyncStream<Int64>.Continuation
    private let visible: PositionWatch

    /// A store showing the events of `primary` up to `visibleHead`.
    public init(primary: any EventStore, visibleHead: Int64 = 0) {
        self.primary = primary
        visible = PositionWatch(head: visibleHead)
        (waits, announceWait) = AsyncStream.makeStream()
    }

    deinit { announceWait.finish() }

    /// The last position released.
    public var visibleHead: Int64 { visible.head }

    /// Shows the events up to `position`, waking the waits it passes.
    public func release(through position: Int64) {
        visible.advance(to: position)
    }

    /// Shows every event the primary holds.
    public func releaseAll() async throws {
        release(through: try await primary.headPosition())
    }

    public func append(_ appends: [StreamAppend], idempotency: Idempotency?) async throws -> [AppendResult] {
        throw EventStoreError.invalidArgument("A lagging store is read-only, as a replica is: append to its primary.")
    }

    public func idempotentAppend(forKey key: String) async throws -> IdempotentAppend? {
        let head = visibleHead
        guard let stored = try await primary.idempotentAppend(forKey: key),
            stored.results.allSatisfy({ $0.lastPosition <= head })
        else { return nil }
        return stored
    }

    public func readStream(_ stream: StreamName, from version: Int, direction: ReadDirection, limit: Int)
        async throws -> [RecordedEvent]
    {
        let head = visibleHead
        switch direction {
        case .forward:
            // Positions grow with versions, so the visible events are a prefix.
            return Array(
                try await primary.readStream(stream, from: version, direction: .forward, limit: limit)
                    .prefix { $0.position <= head })
        case .backward:
            guard let last = try await lastVisibleEvent(of: stream, head: head) else { return [] }
            return try await primary.readStream(
                stream, from: min(version, last.version), direction: .backward, limit: limit)
        }
    }

    public func readLog(after position: Int64, filter: LogFilter, limit: Int) async throws -> [RecordedEvent] {
        let head = visibleHead
        return Array(
            try await primary.readLog(after: position, filter: filter, limit: limit).prefix { $0.position <= head })
    }

    public func streamInfo(_ stream: StreamName) async throws -> StreamInfo? {
        guard let last = try await lastVisibleEvent(of: stream, head: visibleHead),
            let info = try await primary.streamInfo(stream)
        else { return nil }
        return StreamInfo(stream: stream, length: last.version, createdAt: info.createdAt, updatedAt: last.recordedAt)
    }

    /// The primary's listing as of the visible head: a stream's summary is its last visible event, and a stream with
    /// none is left out. (With `target`, a stream whose only events with that target are past the head is still
    /// listed: enough for the tests this store serves.)
    public func streams(inCategory category: String, after id: String?, limit: Int, target: EntityReference?)
        async throws -> [StreamSummary]
    {
        let head = visibleHead
        var summaries: [StreamSummary] = []
        for summary in try await primary.streamListing().streams(
            inCategory: category, after: id, limit: limit, target: target)
        {
            guard summary.lastPosition > head else {
                summaries.append(summary)
                continue
            }
            guard let last = try await lastVisibleEvent(of: summary.stream, head: head) else { continue }
            summaries.append(
                StreamSummary(
                    stream: summary.stream, length: last.version, lastPosition: last.position,
                    updatedAt: last.recordedAt))
        }
        return summaries
    }

    public func headPosition() async throws -> Int64 {
        min(visibleHead, try await primary.headPosition())
    }

    public func waitForAppends(after position: Int64, timeout: Duration) async throws {
        announceWait.yield(position)
        try await visible.wait(after: position, timeout: timeout)
    }

    /// The stream's last event at or before `head`.
    private func lastVisibleEvent(of stream: StreamName, head: Int64) async throws -> RecordedEvent? {
        var from = Int.max
        while true {
            let page = try await primary.readStream(stream, from: from, direction: .backward, limit: 100)
            if let event = page.first(where: { $0.position <= head }) { return event }
            guard let oldest = page.last, oldest.version > 1 else { return nil }
            from = oldest.version - 1
        }
    }
}
