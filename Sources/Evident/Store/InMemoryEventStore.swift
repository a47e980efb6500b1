public import Foundation
import Synchronization

/// An event store in memory: the reference semantics every other store is tested against, and the store
/// for unit tests. Nothing survives the process.
public final class InMemoryEventStore: EventStore, StreamListing {
    private struct State {
        var log: [RecordedEvent] = []
        var streams: [StreamName: [Int]] = [:]  // stream → indexes into `log`
        var idempotentAppends: [String: IdempotentAppend] = [:]
    }

    private let state = Mutex(State())
    private let watch = PositionWatch()
    /// The store's snapshots (see ``SnapshotStore``).
    let snapshots = InMemorySnapshotStore()
    /// The store's data subjects' keys by subject hash (see ``SubjectKeyStore``).
    let subjectKeys = Mutex<[String: SubjectKey]>([:])
    /// The most events a stream may hold; nil for no limit.
    public let maximumStreamLength: Int?
    private let clock: @Sendable () -> Date

    /// Makes an empty store. `clock` supplies recording times (tests pass a fixed one).
    public init(maximumStreamLength: Int? = nil, clock: @escaping @Sendable () -> Date = Date.init) {
        self.maximumStreamLength = maximumStreamLength
        self.clock = clock
    }

    public func idempotentAppend(forKey key: String) async throws -> IdempotentAppend? {
        state.withLock { $0.idempotentAppends[key] }
    }

    public func append(_ appends: [StreamAppend], idempotency: Idempotency?) async throws -> [AppendResult] {
        try AppendValidation.checkShape(appends)
        let results = try commit(appends, idempotency: idempotency)
        advanceWatch()
        return results
    }

    /// Wakes the readers waiting for appends up to the log's end.
    func advanceWatch() {
        watch.advance(to: Int64(state.withLock { $0.log.count }))
    }

    /// Writes `appends` (checked for shape) under the state's lock.
    func commit(_ appends: [StreamAppend], idempotency: Idempotency?) throws(EventStoreError) -> [AppendResult] {
        try state.withLock { state throws(EventStoreError) -> [AppendResult] in
            if let idempotency, let earlier = state.idempotentAppends[idempotency.key] {
                guard earlier.fingerprint == idempotency.fingerprint else {
                    throw .idempotencyKeyConflict(idempotency.key)
                }
                return earlier.results
            }
            for append in appends {
                let length = state.streams[append.stream]?.count ?? 0
                try AppendValidation.check(append, currentLength: length, maximumStreamLength: maximumStreamLength)
            }
            let now = clock().truncatedToMilliseconds
            let recordedAt = max(now, state.log.last?.recordedAt ?? now)
            var results: [AppendResult] = []
            for append in appends {
                let length = state.streams[append.stream]?.count ?? 0
                let firstPosition = Int64(state.log.count + 1)
                for (offset, event) in append.events.enumerated() {
                    state.streams[append.stream, default: []].append(state.log.count)
                    var recorded = RecordedEvent(
                        id: event.id, stream: append.stream, type: event.type, data: event.data,
                        metadata: event.metadata, version: length + offset + 1,
                        position: Int64(state.log.count + 1), recordedAt: recordedAt)
                    // Chained over the texts the other stores keep, so every store gives an event the same hash.
                    recorded.hash = LogChain.hash(
                        previous: state.log.last?.hash ?? LogChain.genesis, of: recorded, data: event.data.serialized(),
                        metadata: event.metadata.json.serialized())
                    state.log.append(recorded)
                }
                results.append(
                    AppendResult(
                        stream: append.stream, streamLength: length + append.events.count,
                        count: append.events.count, firstPosition: append.events.isEmpty ? 0 : firstPosition))
            }
            if let idempotency {
                state.idempotentAppends[idempotency.key] = IdempotentAppend(
                    fingerprint: idempotency.fingerprint, results: results)
            }
            return results
        }
    }

    public func readStream(_ stream: StreamName, from version: Int, direction: ReadDirection, limit: Int)
        async throws -> [RecordedEvent]
    {
        try checkLimit(limit)
        return state.withLock { state in
            guard let indexes = state.streams[stream], !indexes.isEmpty else { return [] }
            switch direction {
            case .forward:
                let start = max(version, 1) - 1
                guard start < indexes.count else { return [] }
                return indexes[start..<min(indexes.count, start + limit)].map { state.log[$0] }
            case .backward:
                guard version >= 1 else { return [] }
                let end = min(version, indexes.count)
                return indexes[max(0, end - limit)..<end].reversed().map { state.log[$0] }
            }
        }
    }

    public func readLog(after position: Int64, filter: LogFilter, limit: Int) async throws -> [RecordedEvent] {
        try checkLimit(limit)
        return state.withLock { state in
            var events: [RecordedEvent] = []
            var index = Int(max(position, 0))
            while index < state.log.count, events.count < limit {
                if filter.matches(state.log[index]) { events.append(state.log[index]) }
                index += 1
            }
            return events
        }
    }

    public func streamInfo(_ stream: StreamName) async throws -> StreamInfo? {
        state.withLock { state in
            guard let indexes = state.streams[stream], let first = indexes.first, let last = indexes.last else {
                return nil
            }
            return StreamInfo(
                stream: stream, length: indexes.count, createdAt: state.log[first].recordedAt,
                updatedAt: state.log[last].recordedAt)
        }
    }

    public func streams(inCategory category: String, after id: String?, limit: Int, target: EntityReference?)
        async throws -> [StreamSummary]
    {
        try checkLimit(limit)
        return state.withLock { state in
            state.streams
                .filter { stream, indexes in
                    stream.category == category && (id.map { $0.precedesInListing(stream.id) } ?? true)
                        && (target.map { target in indexes.contains { state.log[$0].metadata.target == target } }
                            ?? true)
                }
                .sorted { $0.key.id.precedesInListing($1.key.id) }
                .prefix(limit)
                .map { stream, indexes in
                    let last = state.log[indexes[indexes.count - 1]]
                    return StreamSummary(
                        stream: stream, length: indexes.count, lastPosition: last.position, updatedAt: last.recordedAt)
                }
        }
    }

    public func headPosition() async throws -> Int64 {
        Int64(state.withLock { $0.log.count })
    }

    public func waitForAppends(after position: Int64, timeout: Duration) async throws {
        try await watch.wait(after: position, timeout: timeout)
    }

    private func checkLimit(_ limit: Int) throws(EventStoreError) {
        guard limit > 0 else { throw .invalidArgument("A read limit must be positive (got \(limit)).") }
    }
}
