public import Evident

/// An in-memory store on which another writer slips in before appends: `interrupt` runs before each append
/// (with the append and the store underneath) and may append there first, to provoke the conflicts a
/// concurrent writer causes, deterministically.
public final class InterruptedStore: EventStore, StreamListing {
    public let base = InMemoryEventStore()
    private let interrupt: @Sendable ([StreamAppend], InMemoryEventStore) async throws -> Void

    public init(interrupt: @escaping @Sendable ([StreamAppend], InMemoryEventStore) async throws -> Void) {
        self.interrupt = interrupt
    }

    public func append(_ appends: [StreamAppend], idempotency: Idempotency?) async throws -> [AppendResult] {
        try await interrupt(appends, base)
        return try await base.append(appends, idempotency: idempotency)
    }

    public func idempotentAppend(forKey key: String) async throws -> IdempotentAppend? {
        try await base.idempotentAppend(forKey: key)
    }

    public func readStream(_ stream: StreamName, from version: Int, direction: ReadDirection, limit: Int)
        async throws -> [RecordedEvent]
    { try await base.readStream(stream, from: version, direction: direction, limit: limit) }

    public func readLog(after position: Int64, filter: LogFilter, limit: Int) async throws -> [RecordedEvent] {
        try await base.readLog(after: position, filter: filter, limit: limit)
    }

    public func streamInfo(_ stream: StreamName) async throws -> StreamInfo? { try await base.streamInfo(stream) }

    public func streams(inCategory category: String, after id: String?, limit: Int, target: EntityReference?)
        async throws -> [StreamSummary]
    { try await base.streams(inCategory: category, after: id, limit: limit, target: target) }

    public func headPosition() async throws -> Int64 { try await base.headPosition() }

    public func waitForAppends(after position: Int64, timeout: Duration) async throws {
        try await base.waitForAppends(after: position, timeout: timeout)
    }
}
