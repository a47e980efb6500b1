public import Evident
public import EvidentSpec
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
    /// two concurrent writers one wins and the other fails with `specChanged`.
    func store(_ spec: CompiledSpec) async throws -> SpecVersion {
        let spec = spec.limits == limits ? spec : try CompiledSpec(spec.document, limits: limits)
        let (_, version) = try await stored.refresh(force: true)
        let current = try? await self.current()
        if let current, current.version == version, current.spec.contentHash == spec.contentHash { return current }
        let event = NewEvent(
            type: "spec_was_stored", data: ["document": spec.document, "hash": .string(spec.contentHash)])
        let result: AppendResult
        do {
            result = try await store.append([event], to: Self.stream, expectedVersion: .exact(version))
        } catch let error as EventStoreError where error.code == .wrongExpectedVersion {
            _ = try? await self.current(force: true)  // the winner's version, for the next request
            throw EngineError(
                .specChanged,
                "Another writer stored a spec version while this one was being stored; read the spec in force "
                    + "(GET /_spec or `evident spec get`) and try again.")
        }
        let installed = SpecVersion(spec: spec, version: result.streamLength, position: result.lastPosition)
        install(installed)
        return installed
    }

    private func install(_ candidate: SpecVersion) {
        compiled.withLock { current in
            if (current?.version ?? 0) < candidate.version { current = candidate }
        }
    }
}
