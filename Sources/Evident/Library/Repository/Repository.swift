public import Logging

/// Loads aggregates from an ``EventStore`` and handles commands against them: load (from a snapshot, then
/// the tail of the stream), decide, append with the expected version, and on a version conflict decide again
/// against fresh state, a bounded number of times.
///
/// ```swift
/// let accounts = Repository(store: store, decider: BankAccount(), category: "account")
/// let result = try await accounts.handle(.deposit(amount: 50), for: "42")
/// let then = try await accounts.load("42", at: .version(3))   // time travel
/// ```
///
/// Each aggregate lives in the stream `category:id`. After ``maximumAttempts`` conflicts in a row the last
/// ``EventStoreError`` (code `wrongExpectedVersion`) is thrown; errors thrown by `decide` are thrown as they are.
public struct Repository<D: Decider>: Sendable where D.Event: EventFamily {
    /// The store holding the events.
    public let store: any EventStore
    /// The decider.
    public let decider: D
    /// The stream category (aggregate type) of every aggregate of this repository.
    public let category: String
    /// How many times a command is decided before a version conflict is given up on.
    public var maximumAttempts: Int
    let snapshotting: Snapshotting<D.State>?
    let logger: Logger

    /// A repository without snapshots.
    public init(
        store: any EventStore, decider: D, category: String, maximumAttempts: Int = 3,
        logger: Logger = Logger(label: "evident.repository", factory: { _ in SwiftLogNoOpLogHandler() })
    ) {
        self.store = store
        self.decider = decider
        self.category = category
        self.maximumAttempts = max(1, maximumAttempts)
        self.snapshotting = nil
        self.logger = logger
    }

    /// A repository that snapshots the state to `snapshots` as `policy` says.
    ///
    /// ```swift
    /// Repository(store: store, decider: BankAccount(), category: "account",
    ///            snapshots: store, policy: SnapshotPolicy(every: 100))
    /// ```
    public init(
        store: any EventStore, decider: D, category: String, snapshots: any SnapshotStore, policy: SnapshotPolicy,
        maximumAttempts: Int = 3,
        logger: Logger = Logger(label: "evident.repository", factory: { _ in SwiftLogNoOpLogHandler() })
    ) where D.State: Codable {
        self.store = store
        self.decider = decider
        self.category = category
        self.maximumAttempts = max(1, maximumAttempts)
        self.snapshotting = Snapshotting(
            store: snapshots, policy: policy, encode: { try JSONCoding.encode($0) },
            decode: { try JSONCoding.decode(D.State.self, from: $0) })
        self.logger = logger
    }

    /// The stream of aggregate `id`.
    public func stream(_ id: String) throws -> StreamName {
        try StreamName(category: category, id: id)
    }

    /// The current state of aggregate `id` (the initial state, version 0, when it has no events). Takes a
    /// snapshot when one is due, replacing a stale one.
    public func load(_ id: String) async throws -> LoadedAggregate<D.State> {
        let stream = try stream(id)
        let loaded = try await load(stream, upTo: nil)
        await snapshotIfDue(stream, loaded: loaded, newVersion: loaded.version, state: loaded.state)
        return loaded
    }

    /// The state of aggregate `id` as it was at a version or an instant (time travel). Snapshots are used
    /// for version cut-offs at or after them; an instant is always a replay.
    public func load(_ id: String, at cutoff: StreamCutoff) async throws -> LoadedAggregate<D.State> {
        try await load(stream(id), upTo: cutoff)
    }

    /// Decides `command` against aggregate `id` and appends the events it produces, retrying on version
    /// conflicts. `metadata` goes on every event (actor, causation and correlation ids).
    @discardableResult
    public func handle(_ command: D.Command, for id: String, metadata: EventMetadata = EventMetadata())
        async throws -> CommandResult<D.State, D.Event>
    {
        let stream = try stream(id)
        var attempt = 0
        while true {
            attempt += 1
            let loaded = try await load(stream, upTo: nil)
            let events = try decider.decide(command, loaded.state)
            guard !events.isEmpty else {
                return CommandResult(
                    events: [], state: loaded.state, version: loaded.version, position: 0, attempts: attempt)
            }
            let newEvents = try events.map { event throws(EventCodingError) in try event.newEvent(metadata: metadata) }
            do {
                let result = try await store.append(newEvents, to: stream, expectedVersion: .exact(loaded.version))
                let state = events.reduce(loaded.state, decider.evolve)
                await snapshotIfDue(stream, loaded: loaded, newVersion: result.streamLength, state: state)
                return CommandResult(
                    events: events, state: state, version: result.streamLength, position: result.lastPosition,
                    attempts: attempt)
            } catch let error as EventStoreError where error.code == .wrongExpectedVersion && attempt < maximumAttempts
            {
                logger.debug(
                    "Version conflict; deciding again",
                    metadata: ["stream": "\(stream)", "attempt": "\(attempt)", "actual": "\(error.actualLength ?? -1)"])
            }
        }
    }

    /// Folds `stream` from its usable snapshot (if any) and then its events up to `cutoff`.
    func load(_ stream: StreamName, upTo cutoff: StreamCutoff?) async throws -> LoadedAggregate<D.State> {
        var state = decider.initialState
        var version = 0
        var snapshotVersion: Int?
        if let snapshotting, let snapshot = await snapshotting.usableSnapshot(of: stream, upTo: cutoff, logger: logger)
        {
            state = snapshot.state
            version = snapshot.version
            snapshotVersion = snapshot.version
        }
        let pageSize = 1_000
        while true {
            let page = try await store.readStream(stream, from: version + 1, direction: .forward, limit: pageSize)
            for recorded in page {
                switch cutoff {
                case .version(let last) where recorded.version > last:
                    return LoadedAggregate(state: state, version: version, snapshotVersion: snapshotVersion)
                case .recordedAt(let instant) where recorded.recordedAt > instant:
                    return LoadedAggregate(state: state, version: version, snapshotVersion: snapshotVersion)
                default:
                    state = decider.evolve(state, try D.Event(recorded: recorded))
                    version = recorded.version
                }
            }
            if page.count < pageSize { break }
        }
        return LoadedAggregate(state: state, version: version, snapshotVersion: snapshotVersion)
    }

    private func snapshotIfDue(_ stream: StreamName, loaded: LoadedAggregate<D.State>, newVersion: Int, state: D.State)
        async
    {
        guard let snapshotting,
            snapshotting.policy.isDue(version: newVersion, snapshotVersion: loaded.snapshotVersion ?? 0)
        else { return }
        await snapshotting.save(state, stream: stream, version: newVersion, logger: logger)
    }
}

extension Repository {
    /// Calls methods of the entity-style aggregate `id` and saves the events they record.
    ///
    /// ```swift
    /// try await carts.update("42") { cart in try cart.add("apple") }
    /// ```
    @discardableResult
    public func update<A: Aggregate>(
        _ id: String, metadata: EventMetadata = EventMetadata(), _ body: @escaping @Sendable (inout A) throws -> Void
    ) async throws -> CommandResult<A, A.Event> where D == AggregateDecider<A> {
        try await handle(body, for: id, metadata: metadata)
    }
}
