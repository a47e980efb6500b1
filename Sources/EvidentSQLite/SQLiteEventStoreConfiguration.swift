/// How a ``SQLiteEventStore`` behaves. Every setting has a safe default.
public struct SQLiteEventStoreConfiguration: Sendable {
    /// The most events a stream may hold; an append past it fails with `streamTooLong`. Nil: no limit.
    public var maximumStreamLength: Int? = nil
    /// How long to wait for another process that holds the write lock before failing with `busy`.
    public var busyTimeout: Duration = .seconds(10)
    /// Whether to create the database file when it does not exist. When false, opening a missing file fails.
    public var createIfMissing = true
    /// The most appends committed together in one transaction (group commit).
    public var maximumAppendsPerCommit = 1_000
    /// Open the file read-only: appends fail, nothing on disk changes.
    public var readOnly = false
    /// Projections that run inside the transaction of every append (each append in its own savepoint): their
    /// read model is never behind the log, and one that throws fails only the append that ran it.
    public var inlineProjections: [any SQLiteProjection] = []
    /// For `evident bench` only, to measure what the hash chain costs: appends store no hash, so the log does not
    /// verify. Never set it on a store that keeps anything.
    package var benchmarkWithoutHashChain = false

    public init() {}
}
