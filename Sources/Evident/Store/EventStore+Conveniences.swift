extension EventStore {
    /// Appends to one or more streams atomically; with an `idempotencyKey`, a retry of the same appends
    /// (same streams, event types, data and metadata) returns the first results flagged as a replay.
    @discardableResult
    public func append(_ appends: [StreamAppend], idempotencyKey: String?) async throws -> [AppendResult] {
        try await append(appends, idempotency: idempotencyKey.map { Idempotency(key: $0, for: appends) })
    }

    /// Appends events to one stream atomically.
    ///
    /// ```swift
    /// let result = try await store.append([NewEvent(type: "was_opened")], to: StreamName("account:42"),
    ///                                      expectedVersion: .noStream)
    /// ```
    @discardableResult
    public func append(
        _ events: [NewEvent], to stream: StreamName, expectedVersion: ExpectedVersion = .any,
        idempotencyKey: String? = nil
    ) async throws -> AppendResult {
        let results = try await append(
            [StreamAppend(stream: stream, events: events, expectedVersion: expectedVersion)],
            idempotencyKey: idempotencyKey)
        return results[0]
    }

    /// Every event of a stream, in order.
    public func readStream(_ stream: StreamName) async throws -> [RecordedEvent] {
        try await readStream(stream, upTo: .version(Int.max))
    }

    /// The events of a stream up to a version or an instant (inclusive): what the stream was then.
    public func readStream(_ stream: StreamName, upTo cutoff: StreamCutoff, pageSize: Int = 1_000) async throws
        -> [RecordedEvent]
    {
        var events: [RecordedEvent] = []
        var next = 1
        while true {
            let page = try await readStream(stream, from: next, direction: .forward, limit: pageSize)
            if events.isEmpty, page.count < pageSize, case .version(let version) = cutoff, version >= page.count {
                return page  // the common case: the whole stream in one page
            }
            for event in page {
                switch cutoff {
                case .version(let version) where event.version > version: return events
                case .recordedAt(let instant) where event.recordedAt > instant: return events
                default: events.append(event)
                }
            }
            guard page.count == pageSize, let last = page.last else { return events }
            next = last.version + 1
        }
    }

    /// Events of the log after `position`, first those already stored, then live ones as they are appended.
    public func subscribe(after position: Int64 = 0, filter: LogFilter = .all) -> EventSubscription {
        EventSubscription(store: self, after: position, filter: filter)
    }
}
