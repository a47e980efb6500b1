public import Evident
import Foundation
import Synchronization

/// What an API key may do. Each scope includes the ones before it.
public enum APIKeyScope: String, Sendable, Comparable, CaseIterable {
    /// GET requests.
    case read
    /// Reads, and appending events.
    case write
    /// Writes, spec upload and key management.
    case admin

    public static func < (lhs: APIKeyScope, rhs: APIKeyScope) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }
}

/// The API keys, kept as events in the system stream `$keys:all`: only a SHA-256 hash of each key is stored.
/// A key reads `evk_<id>_<secret>`; the id names it for revocation.
public final class APIKeys: Sendable {
    /// A key as stored.
    public struct Record: Sendable, Hashable {
        public var id: String
        public var scope: APIKeyScope
        var hash: String
    }

    private struct State {
        var keys: [String: Record] = [:]
        var version = 0
        var lastReload: ContinuousClock.Instant?
    }

    /// How often keys created or revoked by other processes are looked for.
    static let reloadInterval = Duration.milliseconds(250)

    static let stream = try! StreamName("$keys:all")
    private let store: any EventStore
    private let state = Mutex(State())

    public init(store: any EventStore) {
        self.store = store
    }

    /// Whether any key exists (without one, the server runs open on loopback only).
    public func hasKeys() async throws -> Bool {
        try await reload()
        return state.withLock { !$0.keys.isEmpty }
    }

    /// The active keys, without their secrets.
    public func list() async throws -> [Record] {
        try await reload()
        return state.withLock { $0.keys.values.sorted { $0.id < $1.id } }
    }

    /// The scope of a presented key, or nil when it is unknown, revoked or malformed.
    public func scope(of key: String) async throws -> APIKeyScope? {
        let parts = key.split(separator: "_")
        guard parts.count == 3, parts[0] == "evk" else { return nil }
        let id = String(parts[1])
        if state.withLock({ $0.keys[id] }) == nil {
            try await reload()  // a key created by another process or server
        }
        guard let record = state.withLock({ $0.keys[id] }) else { return nil }
        return Self.constantTimeEqual(record.hash, SHA256.hexDigest(Array(key.utf8))) ? record.scope : nil
    }

    /// Compares two digests in a time that depends only on their length, so the time an answer takes says
    /// nothing about how much of a guess was right.
    static func constantTimeEqual(_ left: String, _ right: String) -> Bool {
        let left = Array(left.utf8)
        let right = Array(right.utf8)
        guard left.count == right.count else { return false }
        var difference: UInt8 = 0
        for index in left.indices { difference |= left[index] ^ right[index] }
        return difference == 0
    }

    /// Creates a key; the returned secret is shown once and never stored.
    public func create(scope: APIKeyScope) async throws -> (id: String, key: String) {
        var generator = SystemRandomNumberGenerator()
        func hex(_ count: Int) -> String {
            (0..<count).map { _ in String(format: "%02x", UInt8.random(in: 0...255, using: &generator)) }.joined()
        }
        let id = hex(6)
        let key = "evk_\(id)_\(hex(24))"
        let event = NewEvent(
            type: "key_was_created",
            data: [
                "id": .string(id), "scope": .string(scope.rawValue), "hash": .string(SHA256.hexDigest(Array(key.utf8))),
            ])
        try await store.append([event], to: Self.stream)
        try await reload(force: true)
        return (id, key)
    }

    /// What ``revoke(id:force:)`` did.
    public enum Revocation: Sendable, Equatable {
        case revoked
        /// No active key has this id.
        case unknown
        /// It is the last admin key: revoking it would leave nobody able to manage keys or the spec over HTTP
        /// (and, with no key left, open a loopback server to every local client). Only `force` revokes it.
        case lastAdminKey
    }

    /// Revokes the key with `id`; the last admin key only with `force`.
    public func revoke(id: String, force: Bool = false) async throws -> Revocation {
        try await reload(force: true)
        let (record, admins) = state.withLock { state in
            (state.keys[id], state.keys.values.filter { $0.scope == .admin }.count)
        }
        guard let record else { return .unknown }
        if record.scope == .admin, admins == 1, !force { return .lastAdminKey }
        // The stream's length guards against a concurrent revocation of the other admin keys.
        let version = state.withLock { $0.version }
        try await store.append(
            [NewEvent(type: "key_was_revoked", data: ["id": .string(id)])], to: Self.stream,
            expectedVersion: .exact(version))
        try await reload(force: true)
        return .revoked
    }

    /// Folds the key events stored since the last reload; at most once per ``reloadInterval`` unless forced.
    private func reload(force: Bool = false) async throws {
        let now = ContinuousClock.now
        let known = state.withLock { state -> Int? in
            if !force, let last = state.lastReload, last.duration(to: now) < Self.reloadInterval { return nil }
            state.lastReload = now
            return state.version
        }
        guard let known else { return }
        let events = try await store.readStream(Self.stream, from: known + 1, direction: .forward, limit: 100_000)
        guard !events.isEmpty else { return }
        state.withLock { state in
            for event in events where event.version > state.version {
                state.version = event.version
                guard let id = event.data["id"]?.string else { continue }
                switch event.type {
                case "key_was_created":
                    if let scope = event.data["scope"]?.string.flatMap(APIKeyScope.init(rawValue:)),
                        let hash = event.data["hash"]?.string
                    {
                        state.keys[id] = Record(id: id, scope: scope, hash: hash)
                    }
                case "key_was_revoked":
                    state.keys[id] = nil
                default:
                    break
                }
            }
        }
    }
}
