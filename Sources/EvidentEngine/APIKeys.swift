public import Evident
public import Foundation
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
/// A key reads `evk_<id>_<secret>`; the id names it for revocation, rotation and scheduled revocation.
///
/// When a key was last used is kept apart from `$keys:all`, in one stream per key and UTC day
/// (`$key_uses:<id>-<yyyymmdd>`), at most one `key_was_used` event a minute, so that following the keys never
/// means reading every use (see docs/security.md).
///
/// Times (a scheduled revocation, a key's last use) are measured by the `now` each call is given, so tests
/// move time instead of waiting for it.
public final class APIKeys: Sendable {
    /// A key as stored.
    public struct Record: Sendable, Hashable {
        public var id: String
        /// A name for people, such as `billing-service`; nil when the key was created without one.
        public var name: String?
        public var scope: APIKeyScope
        /// When the key was created.
        public var createdAt: Date
        /// When the key stops working, when its revocation is scheduled.
        public var revokeAt: Date?
        /// When the key was last used, to the minute (see ``APIKeys``); filled by ``list(at:)``.
        public var lastUsedAt: Date?
        var hash: String

        /// The key as `GET /_keys` and `evident keys list --json` show it, never with its hash: `id`, `name`
        /// (null without one), `scope`, `created_at`, `last_used_at` (null when never used) and, when scheduled,
        /// `revoke_at`; times in ISO 8601, UTC.
        public var json: JSON {
            var object: [String: JSON] = [
                "id": .string(id), "scope": .string(scope.rawValue), "name": name.map(JSON.string) ?? .null,
                "created_at": .string(createdAt.iso8601Milliseconds),
                "last_used_at": lastUsedAt.map { .string($0.iso8601Milliseconds) } ?? .null,
            ]
            if let revokeAt { object["revoke_at"] = .string(revokeAt.iso8601Milliseconds) }
            return .object(object)
        }

        /// Whether the key works at `now`: not past a scheduled revocation.
        public func isActive(at now: Date) -> Bool { revokeAt.map { now < $0 } ?? true }
    }

    /// How often keys created or revoked by other processes are looked for.
    static let reloadInterval = Duration.milliseconds(250)
    /// The least time between two recorded uses of one key: last use is kept to the minute.
    public static let useGranularity: TimeInterval = 60
    /// The longest a name may be, in characters.
    public static let maximumNameLength = 100

    static let stream = try! StreamName("$keys:all")
    private let store: any EventStore
    private let keys: SystemStreamFollower<[String: Record]>
    /// Per key, the last use this process recorded or read, and the first UTC day whose use stream has not
    /// been read in full (days before it need no reading again).
    private let uses = Mutex([String: KnownUse]())

    private struct KnownUse {
        var last: Date?
        var recordedHere: Date?
        var unreadFromDay: Int?
    }

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
                    keys[id] = Record(
                        id: id, name: event.data["name"]?.string, scope: scope,
                        createdAt: event.data["created_at"]?.string.flatMap(Date.init(iso8601Milliseconds:))
                            ?? event.recordedAt,
                        hash: hash)
                }
            case "key_revocation_was_scheduled":
                keys[id]?.revokeAt = event.data["revoke_at"]?.string.flatMap(Date.init(iso8601Milliseconds:))
            case "key_was_revoked":
                keys[id] = nil
            default:
                break
            }
        }
    }

    /// Whether any key exists (without one, the server runs open on loopback only). A key past its scheduled
    /// revocation still counts: it does not open a server that has keys.
    public func hasKeys() async throws -> Bool {
        try await !keys.refresh().value.isEmpty
    }

    /// The keys that work at `now`, without their secrets, with when each was last used.
    public func list(at now: Date = Date()) async throws -> [Record] {
        var records = try await keys.refresh().value.values.filter { $0.isActive(at: now) }.sorted { $0.id < $1.id }
        for index in records.indices {
            records[index].lastUsedAt = try await lastUse(of: records[index], at: now)
        }
        return records
    }

    /// The scope of a presented key, or nil when it is unknown, revoked, past its scheduled revocation at
    /// `now`, or malformed. A key that is accepted has its use recorded (at most once a minute).
    public func scope(of key: String, at now: Date = Date()) async throws -> APIKeyScope? {
        guard let id = Self.id(ofKey: key) else { return nil }
        // A key unknown here may have been created by another process or server: look at once (an indexed
        // read of the keys appended since), so a key is known as soon as its creation returned.
        var record = keys.current.value[id]
        if record == nil { record = try await keys.refresh(force: true).value[id] }
        guard let record, record.isActive(at: now),
            Self.constantTimeEqual(record.hash, Hashing.sha256Hex(Array(key.utf8)))
        else { return nil }
        await noteUse(of: id, at: now)
        return record.scope
    }

    /// The id of a key as presented (`evk_<id>_<secret>`), not checked against the stored keys; nil when `key` is
    /// not shaped as one.
    public static func id(ofKey key: String) -> String? {
        let parts = key.split(separator: "_")
        return parts.count == 3 && parts[0] == "evk" ? String(parts[1]) : nil
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

    /// Why `name` cannot name a key, or nil when it can: 1 to ``maximumNameLength`` characters, not only
    /// spaces, no control characters.
    public static func problem(withName name: String) -> String? {
        if name.trimmingCharacters(in: .whitespaces).isEmpty {
            return "name must not be empty or only spaces; leave it out for a key without a name."
        }
        if name.count > maximumNameLength {
            return "name is \(name.count) characters; the most is \(maximumNameLength)."
        }
        if name.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) {
            return "name must not hold control characters (such as a newline or a tab)."
        }
        return nil
    }

    /// A time as ISO 8601 with a time zone (`2027-01-31T12:00:00Z`, `2027-01-31T13:00:00+01:00`, fractions of a
    /// second allowed), as `revoke_at` takes it; nil for anything else.
    public static func parseTime(_ text: String) -> Date? {
        for options: ISO8601DateFormatter.Options in [
            [.withInternetDateTime], [.withInternetDateTime, .withFractionalSeconds],
        ] {
            let formatter = ISO8601DateFormatter()
            formatter.formatOptions = options
            if let date = formatter.date(from: text) { return date }
        }
        return nil
    }

    /// A new key: what is stored, and the secret shown once.
    private func makeKey(scope: APIKeyScope, name: String?, at now: Date, extra: [String: JSON] = [:]) -> (
        id: String, key: String, event: NewEvent
    ) {
        var generator = SystemRandomNumberGenerator()
        func hex(_ count: Int) -> String {
            LogChain.hex((0..<count).map { _ in UInt8.random(in: 0...255, using: &generator) })
        }
        let id = hex(6)
        let key = "evk_\(id)_\(hex(24))"
        var data = extra
        data["id"] = .string(id)
        data["scope"] = .string(scope.rawValue)
        data["hash"] = .string(Hashing.sha256Hex(Array(key.utf8)))
        data["created_at"] = .string(now.iso8601Milliseconds)
        if let name { data["name"] = .string(name) }
        return (id, key, NewEvent(type: "key_was_created", data: .object(data)))
    }

    /// Creates a key; the returned secret is shown once and never stored. `position` is the log position of the
    /// event that stored the key. A `name` must pass ``problem(withName:)``.
    public func create(scope: APIKeyScope, name: String? = nil, at now: Date = Date()) async throws -> (
        id: String, key: String, position: Int64
    ) {
        if let name, let problem = Self.problem(withName: name) { throw APIKeyError(problem) }
        let (id, key, event) = makeKey(scope: scope, name: name, at: now)
        let result = try await store.append([event], to: Self.stream)
        try await keys.refresh(force: true)
        return (id, key, result.lastPosition)
    }

    /// What ``revoke(id:force:at:)`` did.
    public enum Revocation: Sendable, Equatable {
        /// Revoked by the event at this log position.
        case revoked(position: Int64)
        /// No active key has this id.
        case unknown
        /// It is the last admin key: revoking it would leave nobody able to manage keys or the spec over HTTP
        /// (and, with no key left, open a loopback server to every local client). Only `force` revokes it.
        case lastAdminKey
    }

    /// Revokes the key with `id`; the last admin key working at `now` only with `force`.
    public func revoke(id: String, force: Bool = false, at now: Date = Date()) async throws -> Revocation {
        try await decide { active, _ in
            guard let record = active[id], record.isActive(at: now) else { return (nil, .unknown) }
            if record.scope == .admin, !force, !Self.hasOtherAdmin(than: id, in: active, workingAt: now) {
                return (nil, .lastAdminKey)
            }
            return ([NewEvent(type: "key_was_revoked", data: ["id": .string(id)])], nil)
        } done: { position in
            .revoked(position: position)
        }
    }

    /// What ``rotate(id:at:)`` did.
    public enum Rotation: Sendable, Equatable {
        /// The new key (its secret shown once) replaced the old one; both changes are the events ending at this
        /// log position.
        case rotated(id: String, key: String, scope: APIKeyScope, name: String?, position: Int64)
        /// No active key has this id.
        case unknown
    }

    /// Replaces the key with `id` by a new one with the same name and scope, in one append: the new key is
    /// created and the old one revoked together, so the last admin key can be rotated. A revocation scheduled
    /// for the old key does not pass to the new one.
    public func rotate(id: String, at now: Date = Date()) async throws -> Rotation {
        var made: (id: String, key: String, record: Record)?
        return try await decide { active, _ in
            guard let record = active[id], record.isActive(at: now) else { return (nil, .unknown) }
            let (newID, key, created) = makeKey(
                scope: record.scope, name: record.name, at: now, extra: ["rotated_from": .string(id)])
            made = (newID, key, record)
            return (
                [created, NewEvent(type: "key_was_revoked", data: ["id": .string(id), "rotated_to": .string(newID)])],
                nil
            )
        } done: { position in
            guard let made else { return .unknown }
            return .rotated(
                id: made.id, key: made.key, scope: made.record.scope, name: made.record.name, position: position)
        }
    }

    /// What ``scheduleRevocation(id:at:force:now:)`` did.
    public enum ScheduledRevocation: Sendable, Equatable {
        /// Scheduled by the event at this log position.
        case scheduled(position: Int64)
        /// No active key has this id.
        case unknown
        /// The time is not after `now`.
        case notInFuture
        /// It would leave no admin key working at that time: every other admin key is revoked at or before it.
        /// Only `force` schedules it.
        case lastAdminKey
    }

    /// Schedules the key with `id` to stop working at `time`, which must be after `now`; a later call replaces
    /// the time. An admin key's revocation is scheduled only while another admin key works past `time` (one
    /// with no scheduled revocation, or a later one), or with `force`.
    public func scheduleRevocation(id: String, at time: Date, force: Bool = false, now: Date = Date()) async throws
        -> ScheduledRevocation
    {
        guard time > now else { return .notInFuture }
        return try await decide { active, _ in
            guard let record = active[id], record.isActive(at: now) else { return (nil, .unknown) }
            if record.scope == .admin, !force, !Self.hasOtherAdmin(than: id, in: active, workingAt: time) {
                return (nil, .lastAdminKey)
            }
            let event = NewEvent(
                type: "key_revocation_was_scheduled",
                data: ["id": .string(id), "revoke_at": .string(time.iso8601Milliseconds)])
            return ([event], nil)
        } done: { position in
            .scheduled(position: position)
        }
    }

    /// Whether an admin key other than `id` works at `time`.
    private static func hasOtherAdmin(than id: String, in active: [String: Record], workingAt time: Date) -> Bool {
        active.values.contains { $0.id != id && $0.scope == .admin && $0.isActive(at: time) }
    }

    /// Decides on the keys as stored and appends what `decision` returns, expecting `$keys:all` not to have
    /// grown since it was read; when it has (another change to the keys), reads it again and decides anew.
    /// `decision` returns either the events to append or the answer without them.
    private func decide<Answer>(
        _ decision: ([String: Record], Int) throws -> ([NewEvent]?, Answer?),
        done: (Int64) -> Answer
    ) async throws -> Answer {
        var attempts = 0
        while true {
            let (active, version) = try await keys.refresh(force: true)
            let (events, answer) = try decision(active, version)
            guard let events else { return answer! }
            do {
                let result = try await store.append(events, to: Self.stream, expectedVersion: .exact(version))
                try await keys.refresh(force: true)
                return done(result.lastPosition)
            } catch let error as EventStoreError where error.code == .wrongExpectedVersion && attempts < 10 {
                attempts += 1
            }
        }
    }

    // MARK: Last use

    /// The stream of one key's uses on one UTC day (days since 1970).
    static func useStream(of id: String, day: Int) -> StreamName? {
        let date = Date(timeIntervalSince1970: TimeInterval(day) * 86_400)
        let components = Calendar(identifier: .gregorian).dateComponents(in: .gmt, from: date)
        func digits(_ number: Int?, _ width: Int) -> String {
            let text = String(number ?? 0)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
        let text = digits(components.year, 4) + digits(components.month, 2) + digits(components.day, 2)
        return try? StreamName(category: "$key_uses", id: "\(id)-\(text)")
    }

    static func day(of date: Date) -> Int { Int((date.timeIntervalSince1970 / 86_400).rounded(.down)) }

    /// Records that key `id` was used at `now`, unless this process, or another one as the day's stream says,
    /// recorded a use within the last minute. Bookkeeping never fails a request: an append that fails (another
    /// process recorded the same minute first, or the store refuses) is dropped. It runs before the request's own
    /// work, not beside it: once a minute per key a request waits for a read and an append, and in exchange no
    /// append of the server's own races the request's (tests and clients see the positions they expect).
    private func noteUse(of id: String, at now: Date) async {
        let due = uses.withLock { uses in
            if let last = uses[id]?.recordedHere, now.timeIntervalSince(last) < Self.useGranularity, last <= now {
                return false
            }
            uses[id, default: KnownUse()].recordedHere = now
            return true
        }
        guard due, let stream = Self.useStream(of: id, day: Self.day(of: now)) else { return }
        do {
            let latest = try await store.readStream(stream, from: .max, direction: .backward, limit: 1).first
            if let latest, let at = Self.time(of: latest), now.timeIntervalSince(at) < Self.useGranularity {
                uses.withLock { $0[id]?.recordedHere = at }
                learn(at, of: id)
                return
            }
            let event = NewEvent(
                type: "key_was_used", data: ["id": .string(id), "at": .string(now.iso8601Milliseconds)])
            _ = try await store.append([event], to: stream, expectedVersion: .exact(latest?.version ?? 0))
            learn(now, of: id)
        } catch {
            // Another process recorded this minute first, or the store refused: the use still counts, unrecorded.
        }
    }

    private func learn(_ time: Date, of id: String) {
        uses.withLock { uses in
            let known = uses[id]?.last
            if known == nil || known! < time { uses[id, default: KnownUse()].last = time }
        }
    }

    private static func time(of event: RecordedEvent) -> Date? {
        event.data["at"]?.string.flatMap(Date.init(iso8601Milliseconds:)) ?? event.recordedAt
    }

    /// When `record` was last used, to the minute: the last event of the newest day's use stream that has one,
    /// reading back from the day of `now` to the key's creation, but no day this process has read in full.
    private func lastUse(of record: Record, at now: Date) async throws -> Date? {
        let today = Self.day(of: now)
        let known = uses.withLock { $0[record.id] }
        let firstDay = max(Self.day(of: record.createdAt), known?.unreadFromDay ?? .min, today - 3_660)
        var found: Date?
        var day = today
        while day >= firstDay, found == nil {
            if let stream = Self.useStream(of: record.id, day: day),
                let event = try await store.readStream(stream, from: .max, direction: .backward, limit: 1).first
            {
                found = Self.time(of: event)
            }
            day -= 1
        }
        if let found { learn(found, of: record.id) }
        return uses.withLock { uses in
            // Days before today are complete: no use is recorded on a day once it is over.
            uses[record.id, default: KnownUse()].unreadFromDay = today
            return uses[record.id]?.last
        }
    }
}

/// A refusal by ``APIKeys``: a request a person must change, such as a name that cannot name a key.
public struct APIKeyError: Error, Sendable, CustomStringConvertible {
    /// What is wrong and how to fix it.
    public var message: String

    public init(_ message: String) { self.message = message }

    public var description: String { message }
}
