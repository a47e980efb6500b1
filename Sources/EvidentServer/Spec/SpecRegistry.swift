import HTTPTypes
public import Evident
public import EvidentSpec
import Foundation
import Synchronization

/// The spec the server runs, and its history: every version is an event in the system stream `$spec:current`,
/// so it is as durable as the events it governs, versioned by the stream's version, and shared by every
/// server on the same store.
public final class SpecRegistry: Sendable {
    /// A compiled spec and its version (1 for the first spec stored).
    public struct Current: Sendable {
        public var spec: CompiledSpec
        public var version: Int
    }

    static let stream = try! StreamName("$spec:current")
    private let store: any EventStore
    private let current = Mutex<Current?>(nil)
    /// When the stored version was last compared with the one in memory.
    private let lastRefresh = Mutex<ContinuousClock.Instant?>(nil)
    /// How often a server checks whether another server stored a newer spec.
    let refreshInterval: Duration
    /// The limits every spec runs with.
    public let limits: SpecLimits

    public init(store: any EventStore, limits: SpecLimits = .standard, refreshInterval: Duration = .seconds(1)) {
        self.store = store
        self.limits = limits
        self.refreshInterval = refreshInterval
    }

    /// The spec in force, checking the store for a newer version at most once per ``refreshInterval``.
    /// Fails with 503 when no spec has been stored yet.
    public func current() async throws -> Current {
        let now = ContinuousClock.now
        let due = lastRefresh.withLock { last in
            guard let previous = last, previous.duration(to: now) < refreshInterval else {
                last = now
                return true
            }
            return false
        }
        if due { try await reload() }
        guard let current = current.withLock({ $0 }) else {
            throw APIError(
                .serviceUnavailable, "No spec is loaded. Upload one with PUT /_spec, or start with --spec FILE.")
        }
        return current
    }

    /// Reads the newest stored spec, when it is newer than the one in memory.
    public func reload() async throws {
        let known = current.withLock { $0?.version ?? 0 }
        guard let info = try await store.streamInfo(Self.stream), info.length > known,
            let event = try await store.readStream(Self.stream, from: info.length, direction: .forward, limit: 1).first,
            let document = event.data["document"]
        else { return }
        // A stored spec was valid under the code that stored it; if this code rejects it, keep serving the
        // previous one rather than nothing.
        guard let spec = try? CompiledSpec(document, limits: limits) else { return }
        install(Current(spec: spec, version: event.version))
    }

    /// Stores `spec` as the next version (unless it is the version in force) and switches to it at once:
    /// requests that already hold the previous spec finish with it.
    @discardableResult
    public func store(_ spec: CompiledSpec) async throws -> Current {
        let spec = spec.limits == limits ? spec : try CompiledSpec(spec.document, limits: limits)
        try await reload()
        if let current = current.withLock({ $0 }), current.spec.contentHash == spec.contentHash { return current }
        let event = NewEvent(
            type: "spec_was_stored", data: ["document": spec.document, "hash": .string(spec.contentHash)])
        let result = try await store.append([event], to: Self.stream)
        let stored = Current(spec: spec, version: result.streamLength)
        install(stored)
        return stored
    }

    private func install(_ candidate: Current) {
        current.withLock { current in
            if (current?.version ?? 0) < candidate.version { current = candidate }
        }
    }
}
