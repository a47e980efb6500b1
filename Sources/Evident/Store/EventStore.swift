/// An append-only log of events, grouped in streams. Every store (in-memory, SQLite, PostgreSQL) implements
/// this small protocol and passes the same contract suite; everything else is built on top of it.
///
/// Errors thrown are ``EventStoreError``s (and `CancellationError` from waits).
public protocol EventStore: Sendable {
    /// Appends events to one or more streams atomically: either every stream's expectation holds and all
    /// events are written, or nothing is. With `idempotency`, an append whose key is already stored returns
    /// the stored results with `isReplay` set and writes nothing when the fingerprints match, and fails with
    /// `idempotencyKeyConflict` when they differ. The key is looked up before any expectation is checked.
    func append(_ appends: [StreamAppend], idempotency: Idempotency?) async throws -> [AppendResult]

    /// What an append made with the idempotency key `key` returned, if one was stored.
    func idempotentAppend(forKey key: String) async throws -> IdempotentAppend?

    /// Reads up to `limit` events of a stream, starting at version `from` (inclusive) and going `direction`.
    /// Reading backward from `Int.max` starts at the last event.
    func readStream(_ stream: StreamName, from version: Int, direction: ReadDirection, limit: Int) async throws
        -> [RecordedEvent]

    /// Reads up to `limit` events of the global log with a position greater than `position`, in position
    /// order, keeping those that pass `filter`.
    func readLog(after position: Int64, filter: LogFilter, limit: Int) async throws -> [RecordedEvent]

    /// The stream's length and timestamps; nil when it has no events.
    func streamInfo(_ stream: StreamName) async throws -> StreamInfo?

    /// The position of the last event in the log; 0 when the log is empty.
    func headPosition() async throws -> Int64

    /// Returns once the log's head is past `position`, or after `timeout`, whichever comes first. Stores that
    /// other processes may write to wake at least every `timeout` so callers can poll.
    func waitForAppends(after position: Int64, timeout: Duration) async throws
}
