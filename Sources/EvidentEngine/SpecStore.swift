public import Evident
public import EvidentSpec
public import Foundation
import Synchronization

/// A spec version in force: the compiled spec, its version (1 for the first spec stored) and the log position
/// of the event that stored it.
public struct SpecVersion: Sendable {
    public var spec: CompiledSpec
    public var version: Int
    public var position: Int64
}

/// The spec the engine runs, and its history: every version is an event in the system stream `$spec:current`,
/// so it is as durable as the events it governs, versioned by the stream's version, and shared by every
/// process on the same store.
final class SpecStore: Sendable {
    static let stream = try! StreamName("$spec:current")
    /// The last stored document and the log position of the event that stored it.
    private let stored: SystemStreamFollower<(document: JSON, position: Int64)?>
    /// The compiled spec in force; it lags `stored` only while a new document compiles.
    private let compiled = Mutex<SpecVersion?>(nil)
    private let store: any EventStore
    let limits: SpecLimits

    init(store: any EventStore, limits: SpecLimits, refreshInterval: Duration) {
        self.store = store
        self.limits = limits
        stored = SystemStreamFollower(store: store, stream: Self.stream, interval: refreshInterval, initial: nil) {
            stored, event in
            stored = event.data["document"].map { ($0, event.position) }
        }
    }

    /// The spec in force, checking the store for a newer version at most once per refresh interval, or now
    /// with `force`.
    func current(force: Bool = false) async throws -> SpecVersion {
        let (last, version) = try await stored.refresh(force: force)
        if let last, version > compiled.withLock({ $0?.version ?? 0 }) {
            // A stored spec was valid under the code that stored it; if this code rejects it, keep serving the
            // previous one rather than nothing.
            if let spec = try? CompiledSpec(last.document, limits: limits) {
                install(SpecVersion(spec: spec, version: version, position: last.position))
            }
        }
        guard let current = compiled.withLock({ $0 }) else {
            throw EngineError(
                .noSpec,
                "No spec is loaded. Upload one with PUT /_spec or `evident spec put FILE`, or start with --spec FILE.")
        }
        return current
    }

    /// Stores `spec` as the next version (unless it is the version in force) and switches to it at once:
    /// requests that already hold the previous spec finish with it. Appends with the version it read, so of
    /// two concurrent writers one wins and the other fails with `specChanged`. With `checkedAgainst`, the version
    /// a check of `spec` compared it with (0: none), fails with `specChanged` as well when another version has
    /// been stored since.
    func store(_ spec: CompiledSpec, checkedAgainst checked: Int? = nil) async throws -> SpecVersion {
        let spec = spec.limits == limits ? spec : try CompiledSpec(spec.document, limits: limits)
        let (_, version) = try await stored.refresh(force: true)
        let current = try? await self.current()
        if let current, current.version == version, current.spec.contentHash == spec.contentHash { return current }
        if let checked, checked != version { throw Self.changed }
        let event = NewEvent(
            type: "spec_was_stored", data: ["document": spec.document, "hash": .string(spec.contentHash)])
        let result: AppendResult
        do {
            result = try await store.append([event], to: Self.stream, expectedVersion: .exact(version))
        } catch let error as EventStoreError where error.code == .wrongExpectedVersion {
            _ = try? await self.current(force: true)  // the winner's version, for the next request
            throw Self.changed
        }
        let installed = SpecVersion(spec: spec, version: result.streamLength, position: result.lastPosition)
        install(installed)
        return installed
    }

    private static let changed = EngineError(
        .specChanged,
        "Another writer stored a spec version while this one was being stored; read the spec in force "
            + "(GET /_spec or `evident spec get`) and try again.")

    /// Version `version` as it was stored; nil when there is no such version.
    func version(_ version: Int) async throws -> StoredSpecVersion? {
        guard version >= 1 else { return nil }
        return try await store.readStream(Self.stream, from: version, direction: .forward, limit: 1).first.flatMap(
            StoredSpecVersion.init)
    }

    /// Up to `limit` versions, newest first, starting below version `before` (all when nil).
    func versions(before: Int?, limit: Int) async throws -> [StoredSpecVersion] {
        guard limit > 0, before.map({ $0 > 1 }) ?? true else { return [] }
        return try await store.readStream(
            Self.stream, from: before.map { $0 - 1 } ?? Int.max, direction: .backward, limit: limit
        ).compactMap(StoredSpecVersion.init)
    }

    private func install(_ candidate: SpecVersion) {
        compiled.withLock { current in
            if (current?.version ?? 0) < candidate.version { current = candidate }
        }
    }
}

/// A spec version as the store keeps it: the document that was stored, and when and where.
public struct StoredSpecVersion: Sendable {
    /// 1 for the first spec stored, then 2, 3, …
    public var version: Int
    /// The spec body (without the `{"spec": …}` wrapper), as it was stored.
    public var document: JSON
    /// The content hash of the document (SHA-256, 64 hex digits).
    public var hash: String
    /// When it was stored.
    public var storedAt: Date
    /// The log position of the event that stored it.
    public var position: Int64

    init?(_ event: RecordedEvent) {
        guard let document = event.data["document"] else { return nil }
        version = event.version
        self.document = document
        // Every version this code stores carries its hash; compute it for one that does not.
        hash = event.data["hash"]?.string ?? Hashing.sha256Hex(document.serialized())
        storedAt = event.recordedAt
        position = event.position
    }

    /// `{"version", "hash", "stored_at", "position"}`, `stored_at` in Unix seconds: an entry of
    /// `GET /_spec/versions`.
    public var summary: JSON {
        [
            "version": .int(version), "hash": .string(hash), "stored_at": .int(storedAt.unixSeconds),
            "position": .int(Int(position)),
        ]
    }
}
