import Dispatch
public import Evident
import Foundation
import GRDB
public import Logging

/// The embedded event store: one SQLite file in WAL mode with `synchronous=FULL`, so an acknowledged append
/// survives a crash or power loss.
///
/// All appends from this process go through one writer that commits them in groups: appends that arrive
/// while a transaction is being written are committed together in the next one, each with its own checks,
/// so one failing append never fails its neighbours. Readers never block the writer. Several processes
/// may open the same file; a writer waits up to ``SQLiteEventStoreConfiguration/busyTimeout`` for the lock.
/// SQLite's blocking calls (commits with their `fsync`, reads) run on the store's own dispatch queues or
/// GRDB's, never on Swift concurrency threads. Call ``close()`` before exiting to finish queued appends.
///
/// ```swift
/// let store = try SQLiteEventStore(path: "evident.sqlite")
/// try await store.append([NewEvent(type: "was_opened")], to: StreamName("account:42"), expectedVersion: .noStream)
/// ```
public final class SQLiteEventStore: EventStore, StreamListing {
    let pool: DatabasePool
    let configuration: SQLiteEventStoreConfiguration
    let watch: PositionWatch
    let writer: GroupCommitWriter
    let logger: Logger
    /// Where reads run: GRDB's blocking read methods hold one of its threads, never a Swift concurrency thread.
    private let readQueue = DispatchQueue(label: "evident.sqlite.read", attributes: .concurrent)

    /// The database file's path.
    public let path: String

    /// Opens (or creates) the database at `path` and brings its schema up to date.
    ///
    /// Any number of processes may open one file at once, also a file that does not exist yet: the check that
    /// the file is Evident's, the migrations and the switch to WAL run under one write lock, which the others
    /// wait for (up to ``SQLiteEventStoreConfiguration/busyTimeout``).
    ///
    /// Fails with `invalidArgument` when the path cannot hold a database (a directory, a device such as
    /// `/dev/null`, a missing directory) and with `incompatibleDatabase` when the file is not an Evident
    /// database; in both cases nothing on disk changes. By default nothing is logged.
    public init(
        path: String, configuration: SQLiteEventStoreConfiguration = SQLiteEventStoreConfiguration(),
        logger: Logger = Logger(label: "evident.sqlite", factory: { _ in SwiftLogNoOpLogHandler() })
    ) throws {
        self.path = path
        self.configuration = configuration
        self.logger = logger
        try Self.checkFile(at: path, configuration: configuration)
        var grdb = Configuration()
        grdb.busyMode = .timeout(configuration.busyTimeout.seconds)
        grdb.readonly = configuration.readOnly
        do {
            // Before the pool opens: a foreign database is refused before anything writes to it, and the pool
            // finds the file complete and in WAL mode, so it has nothing to change.
            try Self.prepareSchema(at: path, configuration: configuration, grdb: grdb)
        } catch {
            throw SQLiteErrors.translate(error, path: path)
        }
        grdb.label = "evident"
        do {
            pool = try DatabasePool(path: path, configuration: grdb)
            if !configuration.readOnly {
                try pool.writeWithoutTransaction { db in
                    // GRDB sets NORMAL for WAL; FULL makes every commit durable on power loss.
                    try db.execute(sql: "PRAGMA synchronous = FULL")
                    // Deleted and moved cells are zeroed, so no stale copy of a destroyed subject key stays in
                    // the file's free space.
                    try db.execute(sql: "PRAGMA secure_delete = ON")
                }
            }
            let head = try pool.read { db in try Self.head(db) }
            watch = PositionWatch(head: head)
        } catch {
            throw SQLiteErrors.translate(error, path: path)
        }
        writer = GroupCommitWriter(
            pool: pool, maximumBatch: configuration.maximumAppendsPerCommit,
            maximumStreamLength: configuration.maximumStreamLength, path: path,
            inlineProjections: configuration.inlineProjections, chained: !configuration.benchmarkWithoutHashChain)
        logger.debug("Opened event store", metadata: ["path": "\(path)"])
    }

    public func append(_ appends: [StreamAppend], idempotency: Idempotency?) async throws -> [AppendResult] {
        try await append(appends, idempotency: idempotency, keeping: [], checking: [])
    }

    /// Keeps the new subject keys and checks the live ones in the append's own transaction.
    public func append(
        _ appends: [StreamAppend], idempotency: Idempotency?, keeping newKeys: [SubjectKey],
        checking liveKeys: [SubjectKey]
    ) async throws -> [AppendResult] {
        try checkWritable()
        try AppendValidation.checkShape(appends)
        let request = AppendRequest(
            appends: appends, idempotency: idempotency, newSubjectKeys: newKeys, liveSubjectKeys: liveKeys)
        let committed = try await writer.submit(request)
        watch.advance(to: committed.head)
        return committed.results
    }

    public func idempotentAppend(forKey key: String) async throws -> IdempotentAppend? {
        try await read(singleStatement: true) { db in try AppendSQL.idempotentAppend(forKey: key, in: db) }
    }

    public func headPosition() async throws -> Int64 {
        try await read(singleStatement: true) { db in try Self.head(db) }
    }

    public func waitForAppends(after position: Int64, timeout: Duration) async throws {
        try await watch.wait(after: position, timeout: timeout)
    }

    /// Stops accepting writes and waits for the writer: appends already queued are committed and
    /// acknowledged, and writes of snapshots, checkpoints and projections already under way finish.
    ///
    /// Afterwards every append and write fails at once with `invalidArgument` ("the store … is closed"); reads
    /// still work. Calling it again waits the same way and returns. Call it before the process exits, for
    /// example from a service's graceful shutdown:
    ///
    /// ```swift
    /// let store = try SQLiteEventStore(path: "evident.sqlite")
    /// // … serve …
    /// await store.close()  // queued appends are committed first
    /// ```
    public func close() async {
        await writer.close()
        guard !configuration.readOnly else { return }
        // GRDB's writer runs one write at a time, in order: once this empty one has run, those before it have too.
        _ = try? await pool.writeWithoutTransaction { _ in }
        logger.debug("Closed event store", metadata: ["path": "\(path)"])
    }

    /// Throws when the store is read-only or closed.
    func checkWritable() throws {
        guard !configuration.readOnly else {
            throw EventStoreError.invalidArgument("The store at \(path) is open read-only.")
        }
        guard !writer.isClosed else { throw SQLiteErrors.closed(path: path) }
    }

    /// Runs `body` on a reader connection on the store's read queue, translating database errors.
    ///
    /// In WAL mode a read never waits for the writer. `body` runs in a read transaction, so all its statements
    /// see one state of the database; a body of a single statement, which SQLite runs atomically anyway, may
    /// pass `singleStatement: true` to skip the transaction.
    func read<T: Sendable>(singleStatement: Bool = false, _ body: @Sendable @escaping (Database) throws -> T)
        async throws -> T
    {
        try await withCheckedThrowingContinuation { continuation in
            readQueue.async { [pool, path] in
                continuation.resume(
                    with: Result { singleStatement ? try pool.unsafeRead(body) : try pool.read(body) }
                        .mapError { SQLiteErrors.translate($0, path: path) })
            }
        }
    }

    static func head(_ db: Database) throws -> Int64 {
        try Int64.fetchOne(db, sql: "SELECT coalesce(max(position), 0) FROM evident_events") ?? 0
    }
}

extension Duration {
    /// The duration in seconds, with its fraction, as GRDB's busy timeout wants it.
    fileprivate var seconds: TimeInterval {
        TimeInterval(components.seconds) + TimeInterval(components.attoseconds) / 1e18
    }
}
