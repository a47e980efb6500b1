public import CoreMetrics
public import Evident
public import EvidentSpec
public import Foundation
public import Logging

/// How a ``SpecEngine`` behaves. Every setting has a documented default.
public struct EngineConfiguration: Sendable {
    /// The bounds on the work one event may cause; every spec the engine runs is compiled with them.
    public var specLimits = SpecLimits.standard
    /// The most bytes (serialized JSON) the cache of aggregate states holds; the least recently used states
    /// are dropped first. 256 MiB.
    public var stateCacheBytes = 256 << 20
    /// How often the engine looks for a spec stored by another process. 1 s.
    public var specRefreshInterval: Duration = .seconds(1)
    /// The most streams a dry run of a new spec folds before it reports a sample.
    public var dryRunStreamLimit = 10_000
    /// How often a read waiting for a consistency token looks at the read store's head again when the store
    /// announces no append (a replica, or another process's write): 20 ms. An announced append ends the wait
    /// at once.
    public var visibilityPollInterval: Duration = .milliseconds(20)
    /// The time handlers see for a new event (`$.metadata.timestamp`).
    public var clock: @Sendable () -> Date = Date.init

    public init() {}
}

/// An aggregate's state as the spec folds it.
public struct AggregateState: Sendable {
    public var stream: StreamName
    /// The state.
    public var data: JSON
    /// The number of events folded: the stream's length, or the version asked for.
    public var length: Int
    /// When the first and the last folded events were recorded; nil for a singleton without events.
    public var createdAt: Date?
    public var updatedAt: Date?
    /// The events the fold left out (a spec changed under stored events), each with why.
    public var errors: [FoldError]
    /// ``data`` as compact JSON with sorted keys, as `JSON.serialized()` writes it; kept with a cached state,
    /// so reading an unchanged state serializes nothing.
    public var serializedData: [UInt8]

    /// The `{"data", "metadata"}` object of the HTTP API's `GET /{type}/{id}`: `length`, `created_at` and
    /// `updated_at` in Unix seconds, and `errors` when an event could not be folded.
    public var json: JSON { ["data": data, "metadata": metadata] }

    /// The `metadata` of ``json``.
    public var metadata: JSON {
        var metadata: [String: JSON] = ["length": .int(length)]
        metadata["created_at"] = createdAt.map { .int($0.unixSeconds) }
        metadata["updated_at"] = updatedAt.map { .int($0.unixSeconds) }
        if !errors.isEmpty {
            metadata["errors"] = .array(
                errors.map { ["version": .int($0.version), "error": .string($0.error.description)] })
        }
        return .object(metadata)
    }
}

/// Which state of an aggregate to read.
public enum StatePoint: Sendable, Hashable {
    /// After its last event.
    case latest
    /// After its first `version` events.
    case version(Int)
    /// After the events recorded at or before this instant.
    case time(Date)
}

/// What storing a spec did, or would do.
public struct SpecPut: Sendable {
    /// The new spec's content hash.
    public var hash: String
    /// The version it is stored as; nil on a dry run.
    public var version: Int?
    /// The log position of the event that stored the version (earlier, when it was in force already); nil on a
    /// dry run.
    public var position: Int64?
    /// Patterns known to backtrack badly: the time budget bounds them, but the author should know.
    public var warnings: [SpecProblem]
    /// On a dry run: how the stored events fold under the new spec.
    public var dryRun: DryRun?
}

/// How the stored events fold under a spec that is not in force yet.
public struct DryRun: Sendable {
    /// An event the new spec cannot fold, or the first event of an aggregate type it no longer declares.
    public struct Failure: Sendable, Hashable {
        public var stream: StreamName
        public var version: Int
        public var message: String
    }

    public var streamsChecked = 0
    public var eventsChecked = 0
    /// Whether only the first ``EngineConfiguration/dryRunStreamLimit`` streams were folded.
    public var sampled = false
    /// The first ``failureLimit`` events the new spec cannot fold (on a dry run; a check before storing lists
    /// only ``problems``), and how many there are in all.
    public private(set) var failures: [Failure] = []
    public private(set) var failureCount = 0
    /// How many failures a dry run lists: the answer stays small when every stored event fails.
    public static let failureLimit = 100
    /// What the new spec would break compared with the spec in force, by kind and event type: a spec with
    /// problems is refused unless forced.
    public var problems: [SpecChangeProblem] = []

    /// Counts a failure, and lists it while fewer than ``failureLimit`` are.
    mutating func record(_ failure: Failure) {
        failureCount += 1
        if failures.count < Self.failureLimit { failures.append(failure) }
    }
}

/// Runs a spec over an event store: the one write path of the HTTP server, the CLI and Swift programs.
///
/// The engine owns the stored spec (system stream `$spec:current`), the API keys (`$keys:all`) and a cache of
/// aggregate states. Reads of aggregates (``state(of:_:at:cached:)``, ``length(of:_:)``,
/// ``events(of:_:from:limit:)``) go to ``readStore`` (the server reads the log there too); writes, and everything
/// a write decides on (states, the spec, the keys), to ``store``. A write checks each event against the spec
/// (type, ids, actor, schema, `requires`, handler), plans its implications across aggregates, and appends
/// everything in one atomic multi-stream append. It throws `SpecError`, `SpecValidationError`,
/// `EventStoreError` or ``EngineError`` — each with a code — and never anything of HTTP.
///
/// ```swift
/// let engine = SpecEngine(store: try SQLiteEventStore(path: "shop.sqlite"))
/// try await engine.putSpec(try JSON(parsing: specText))
/// let actor = EntityReference(type: "customer", id: customerID)
/// try await engine.write(WriteRequest(aggregateType: "cart", aggregateID: cartID,
///     events: [.init(type: "was_opened", data: ["customer_id": .string(customerID)])],
///     metadata: EventMetadata(actor: actor)))
/// let cart = try await engine.state(of: "cart", cartID)
/// ```
public final class SpecEngine: Sendable {
    /// The primary store: writes, and every read a write decides on.
    public let store: any EventStore
    /// Where reads of aggregates and of the log go: ``store`` itself, or a replica of it that may lag (see
    /// ``waitUntilVisible(_:timeout:)``).
    public let readStore: any EventStore
    public let configuration: EngineConfiguration
    public let keys: APIKeys
    let specs: SpecStore
    let states: AggregateStates
    /// The receipts of forgettings, on this node or another: each drops the cached states it names.
    let receipts: SystemStreamFollower<Void>
    let writer: EventWriter
    let logger: Logger
    /// The projections' definitions deployed apart from the spec, and their rows.
    let projectionViews: ProjectionViews

    /// `readStore`: where reads go, `store` by default. `metrics`: where the engine's metrics go (appends, folds,
    /// the state cache); dropped by default.
    public init(
        store: any EventStore, readStore: (any EventStore)? = nil,
        configuration: EngineConfiguration = EngineConfiguration(),
        metrics: any MetricsFactory = NOOPMetricsHandler.instance,
        logger: Logger = Logger(label: "evident.engine", factory: { _ in SwiftLogNoOpLogHandler() })
    ) {
        self.store = store
        self.readStore = readStore ?? store
        self.configuration = configuration
        self.logger = logger
        let metrics = EngineMetrics(factory: metrics)
        specs = SpecStore(
            store: store, limits: configuration.specLimits, refreshInterval: configuration.specRefreshInterval)
        keys = APIKeys(store: store)
        let states = AggregateStates(capacityBytes: configuration.stateCacheBytes, metrics: metrics)
        self.states = states
        receipts = SystemStreamFollower(
            store: store, stream: PrivacyEventStore.receiptsStream, interval: configuration.specRefreshInterval,
            initial: ()
        ) { _, event in
            if let receipt = try? ForgettingReceipt(event: event) { states.drop(receipt.streams) }
        }
        writer = EventWriter(store: store, states: states, metrics: metrics, clock: configuration.clock)
        projectionViews = ProjectionViews(store: store, interval: configuration.specRefreshInterval)
    }

    // MARK: The spec

    /// The spec in force; fails with ``EngineError/Code/noSpec`` before one is stored. The engine looks for a
    /// spec stored by another process at most once per ``EngineConfiguration/specRefreshInterval``; `refresh`
    /// looks now (for a read with a consistency token, which may follow a spec stored elsewhere).
    public func currentSpec(refresh: Bool = false) async throws -> SpecVersion {
        try await specs.current(force: refresh)
    }

    /// Compiles `document` with the engine's limits and stores it as the next spec version (unless it is the
    /// version in force), or with `dryRun` only reports how the stored events fold under it. Throws
    /// `SpecValidationError` with every problem when the document is not a valid spec, and
    /// ``EngineError/Code/specRefused`` when it would break stored events (see ``SpecChangeProblem``) unless
    /// `force`.
    @discardableResult
    public func putSpec(_ document: JSON, dryRun: Bool = false, force: Bool = false) async throws -> SpecPut {
        try await putSpec(try CompiledSpec(document, limits: configuration.specLimits), dryRun: dryRun, force: force)
    }

    @discardableResult
    public func putSpec(_ spec: CompiledSpec, dryRun: Bool = false, force: Bool = false) async throws -> SpecPut {
        // Compare with the latest version stored, wherever it was stored.
        let current = try await currentSpecIfAny(refresh: true)
        if dryRun {
            let report = try await check(spec, against: current, reportingEveryFailure: true)
            return SpecPut(hash: spec.contentHash, version: nil, warnings: spec.warnings, dryRun: report)
        }
        let stored: SpecVersion
        if force || current?.spec.contentHash == spec.contentHash {
            stored = try await specs.store(spec)
        } else {
            let report = try await check(spec, against: current, reportingEveryFailure: false)
            guard report.problems.isEmpty else { throw Self.refusal(report) }
            stored = try await specs.store(spec, checkedAgainst: current?.version ?? 0)
        }
        logger.debug(
            "Spec in force", metadata: ["version": "\(stored.version)", "hash": "\(stored.spec.contentHash)"])
        await cancelUndeclaredSchedules(stored.spec)
        return SpecPut(
            hash: stored.spec.contentHash, version: stored.version, position: stored.position, warnings: spec.warnings)
    }

    /// Stores the document of version `version` as the next version, as ``putSpec(_:dryRun:force:)`` stores a
    /// document: history is never rewritten, so a rollback is a new version equal to `version` (none when that
    /// document is the one in force). Refused like any spec that would break stored events, unless `force`;
    /// ``EngineError/Code/specVersionNotFound`` when there is no such version.
    @discardableResult
    public func rollbackSpec(to version: Int, dryRun: Bool = false, force: Bool = false) async throws -> SpecPut {
        let stored = try await specVersion(version)
        return try await putSpec(stored.document, dryRun: dryRun, force: force)
    }

    /// Spec version `version` as it was stored; ``EngineError/Code/specVersionNotFound`` when there is none.
    public func specVersion(_ version: Int) async throws -> StoredSpecVersion {
        guard let stored = try await specs.version(version) else {
            let latest = try await currentSpecIfAny(refresh: true)?.version ?? 0
            throw EngineError(
                .specVersionNotFound,
                latest == 0
                    ? "There is no spec version \(version): no spec has been stored yet."
                    : "There is no spec version \(version); the versions are 1 to \(latest).",
                details: ["latest": .int(latest)])
        }
        return stored
    }

    /// Up to `limit` stored spec versions, newest first, starting below version `before` (with the latest when
    /// nil).
    public func specVersions(before: Int? = nil, limit: Int) async throws -> [StoredSpecVersion] {
        try await specs.versions(before: before, limit: limit)
    }

    /// The spec in force, or nil before one is stored.
    private func currentSpecIfAny(refresh: Bool) async throws -> SpecVersion? {
        do {
            return try await specs.current(force: refresh)
        } catch let error as EngineError where error.code == .noSpec {
            return nil
        }
    }

    /// What `spec` would break in the stored events compared with `current`; reads the primary store, as the
    /// switch it previews would.
    private func check(_ spec: CompiledSpec, against current: SpecVersion?, reportingEveryFailure: Bool)
        async throws -> DryRun
    {
        try await SpecChangeCheck(
            new: spec, old: current?.spec, streamLimit: configuration.dryRunStreamLimit,
            reportingEveryFailure: reportingEveryFailure
        ).run(in: store)
    }

    /// The refusal of a spec whose check found problems.
    private static func refusal(_ report: DryRun) -> EngineError {
        let events = report.problems.reduce(0) { $0 + $1.events }
        let sample =
            report.sampled
            ? " (folds were checked on the first \(report.streamsChecked) streams only: a sample)" : ""
        return EngineError(
            .specRefused,
            "The new spec would break \(events) stored event\(events == 1 ? "" : "s")\(sample): "
                + "\(report.problems.count) problem\(report.problems.count == 1 ? "" : "s") by event type, listed in "
                + "\"problems\"; nothing was stored. Store it anyway with force (\"force\": true or ?force=true over "
                + "HTTP, --force with `evident spec put` or `evident spec rollback`).",
            details: [
                "problems": .array(report.problems.map(\.json)), "sampled": .bool(report.sampled),
                "streams_checked": .int(report.streamsChecked),
            ])
    }

    // MARK: Writing

    /// Checks and appends a write, with its implied events; an idempotent retry returns the first result.
    @discardableResult
    public func write(_ request: WriteRequest) async throws -> WriteOutcome {
        try await receipts.refresh()
        return try await writer.write(request, spec: try await specs.current())
    }

    // MARK: Reading

    /// Whether the log position `position` (a consistency token: the `position` a write answered) is visible
    /// in ``readStore``, waiting up to `timeout` for it: true as soon as the read store's head reaches it, false
    /// when it has not within `timeout`. Reads made after it returned true see every event up to `position`.
    /// On a single store a position that a write returned is always visible at once.
    public func waitUntilVisible(_ position: Int64, timeout: Duration) async throws -> Bool {
        let deadline = ContinuousClock.now + timeout
        while true {
            let head = try await readStore.headPosition()
            if head >= position { return true }
            let left = ContinuousClock.now.duration(to: deadline)
            guard left > .zero else { return false }
            // Returns at an announced append, or after the poll interval for a store that announces none.
            try await readStore.waitForAppends(after: head, timeout: min(left, configuration.visibilityPollInterval))
        }
    }

    /// The state of an aggregate, now or in the past, as ``readStore`` holds it. A read after a write sees the
    /// write on a single store; with a replica, wait for the write's position first
    /// (``waitUntilVisible(_:timeout:)``). `cached: false` folds every event again (after a change of the state's
    /// code, say). Fails with
    /// ``EngineError/Code/aggregateNotFound`` when the aggregate has no events and is not a singleton.
    public func state(of type: String, _ id: String, at point: StatePoint = .latest, cached: Bool = true)
        async throws -> AggregateState
    {
        let (current, compiled, stream) = try await resolve(type, id)
        let folded =
            switch point {
            case .latest:
                try await states.current(
                    stream, in: readStore, type: compiled, specHash: current.spec.contentHash, cached: cached)
            case .version(let version):
                try await states.past(stream, in: readStore, type: compiled, upTo: .version(version))
            case .time(let instant):
                try await states.past(stream, in: readStore, type: compiled, upTo: .recordedAt(instant))
            }
        let result = folded.result
        guard result.version > 0 || current.spec.singletons.contains(stream.id) else {
            throw EngineError(.aggregateNotFound, "\(stream) has no events.", details: ["length": 0])
        }
        return AggregateState(
            stream: stream, data: result.state, length: result.version, createdAt: folded.createdAt,
            updatedAt: folded.updatedAt, errors: result.errors,
            serializedData: folded.serializedState ?? result.state.serialized())
    }

    /// The number of events of an aggregate, as ``readStore`` holds it.
    public func length(of type: String, _ id: String) async throws -> Int {
        let (_, _, stream) = try await resolve(type, id)
        return try await readStore.streamInfo(stream)?.length ?? 0
    }

    /// Up to `limit` events of an aggregate, from version `from`, as ``readStore`` holds them.
    public func events(of type: String, _ id: String, from version: Int = 1, limit: Int) async throws
        -> [RecordedEvent]
    {
        let (_, _, stream) = try await resolve(type, id)
        return try await readStore.readStream(stream, from: version, direction: .forward, limit: limit)
    }

    /// The spec in force, the aggregate type and the stream that `type` and `id` name.
    private func resolve(_ type: String, _ id: String) async throws -> (SpecVersion, CompiledAggregateType, StreamName)
    {
        try await receipts.refresh()
        let current = try await specs.current()
        let compiled = try current.spec.requireAggregateType(type)
        let stream = try StreamName(category: compiled.name, id: try current.spec.normalizedIdentifier(id))
        return (current, compiled, stream)
    }
}

extension SpecPut {
    /// The answer of `PUT /_spec` (and of `evident spec put --json`) without its `ok`: the version, hash and
    /// position stored, or the dry run's report; with `warnings` when there are some.
    public var json: JSON {
        var answer: [String: JSON] = ["hash": .string(hash)]
        if let version { answer["version"] = .int(version) }
        if let position { answer["position"] = .int(Int(position)) }
        if let dryRun {
            answer["dry_run"] = true
            answer["streams_checked"] = .int(dryRun.streamsChecked)
            answer["events_checked"] = .int(dryRun.eventsChecked)
            answer["sampled"] = .bool(dryRun.sampled)
            answer["failure_count"] = .int(dryRun.failureCount)
            answer["failures"] = .array(
                dryRun.failures.map {
                    ["key": .string($0.stream.description), "version": .int($0.version), "error": .string($0.message)]
                })
            answer["problems"] = .array(dryRun.problems.map(\.json))
        }
        if !warnings.isEmpty {
            answer["warnings"] = .array(warnings.map { ["path": .string($0.path), "message": .string($0.message)] })
        }
        return .object(answer)
    }
}
