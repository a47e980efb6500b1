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

    /// How often keys created or revoked by other processes are looked for.
    static let reloadInterval = Duration.milliseconds(250)

    static let stream = try! StreamName("$keys:all")
    private let store: any EventStore
    private let keys: SystemStreamFollower<[String: Record]>

    public init(store: any EventStore) {
        self.store = store
        keys = SystemStreamFollower(store: store, stream: Self.stream, interval: Self.reloadInterval, initial: [:]) {
            keys, event in
            guard let id = event.data["id"]?.string else { return }
            switch event.type {
            case "key_was_created":
                if let scope = event.data["scope"]?.string.flatMap(APIKeyScope.init(rawValue:)),
                    let hash = event.data["hash"]?.string
                {
                    keys[id] = Record(id: id, scope: scope, hash: hash)
                }
            case "key_was_revoked":
                keys[id] = nil
            default:
                break
            }
        }
    }

    /// Whether any key exists (without one, the server runs open on loopback only).
    public func hasKeys() async throws -> Bool {
        try await !keys.refresh().value.isEmpty
    }

    /// The active keys, without their secrets.
    public func list() async throws -> [Record] {
        try await keys.refresh().value.values.sorted { $0.id < $1.id }
    }

    /// The scope of a presented key, or nil when it is unknown, revoked or malformed.
    public func scope(of key: String) async throws -> APIKeyScope? {
        let parts = key.split(separator: "_")
        guard parts.count == 3, parts[0] == "evk" else { return nil }
        let id = String(parts[1])
        // A key unknown here may have been created by another process or server: look at once (an indexed
        // read of the keys appended since), so a key is known as soon as its creation returned.
        var record = keys.current.value[id]
        if record == nil { record = try await keys.refresh(force: true).value[id] }
        guard let record else { return nil }
        return Self.constantTimeEqual(record.hash, Hashing.sha256Hex(Array(key.utf8))) ? record.scope : nil
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

    /// Creates a key; the returned secret is shown once and never stored. `position` is the log position of the
    /// event that stored the key.
    public func create(scope: APIKeyScope) async throws -> (id: String, key: String, position: Int64) {
        var generator = SystemRandomNumberGenerator()
        func hex(_ count: Int) -> String {
            LogChain.hex((0..<count).map { _ in UInt8.random(in: 0...255, using: &generator) })
        }
        let id = hex(6)
        let key = "evk_\(id)_\(hex(24))"
        let event = NewEvent(
            type: "key_was_created",
            data: [
                "id": .string(id), "scope": .string(scope.rawValue),
                "hash": .string(Hashing.sha256Hex(Array(key.utf8))),
            ])
        let result = try await store.append([event], to: Self.stream)
        try await keys.refresh(force: true)
        return (id, key, result.lastPosition)
    }

    /// What ``revoke(id:force:)`` did.
    public enum Revocation: Sendable, Equatable {
        /// Revoked by the event at this log position.
        case revoked(position: Int64)
        /// No active key has this id.
        case unknown
        /// It is the last admin key: revoking it would leave nobody able to manage keys or the spec over HTTP
        /// (and, with no key left, open a loopback server to every local client). Only `force` revokes it.
        case lastAdminKey
    }

    /// Revokes the key with `id`; the last admin key only with `force`.
    public func revoke(id: String, force: Bool = false) async throws -> Revocation {
        let (active, version) = try await keys.refresh(force: true)
        guard let record = active[id] else { return .unknown }
        let admins = active.values.filter { $0.scope == .admin }.count
        if record.scope == .admin, admins == 1, !force { return .lastAdminKey }
        // The stream's length guards against a concurrent revocation of the other admin keys.
        let result = try await store.append(
            [NewEvent(type: "key_was_revoked", data: ["id": .string(id)])], to: Self.stream,
            expectedVersion: .exact(version))
        try await keys.refresh(force: true)
        return .revoked(position: result.lastPosition)
    }
}
