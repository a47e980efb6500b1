import Crypto
import Foundation

/// Snapshots of streams that hold personal values are sealed with one key derived from every subject key
/// whose values the stream holds, and stop opening (then the state is folded again) once any of those subjects
/// is forgotten: a snapshot never keeps a personal value in clear.
///
/// A sealed state is `{"$sealed": BASE64, "$keys": [KEY-ID, …]}`. To know the keys, saving reads the events
/// since the stream's previous snapshot (whose keys it starts from): at most one snapshot interval's events.
/// Over a store that keeps no snapshots, there are none.
extension PrivacyEventStore: SnapshotStore {
    private var snapshots: (any SnapshotStore)? { base as? any SnapshotStore }

    public func snapshot(of stream: StreamName) async throws -> Snapshot? {
        guard var snapshot = try await snapshots?.snapshot(of: stream) else { return nil }
        guard let keyIDs = Self.sealedKeys(snapshot) else { return snapshot }
        guard let key = try await snapshotKey(keyIDs, stream: stream), let sealed = snapshot.state["$sealed"]?.string,
            let state = cipher.open(
                sealed,
                context: PersonalDataCipher.context(snapshotOf: stream, version: snapshot.version), with: key)
        else { return nil }
        snapshot.state = state
        return snapshot
    }

    public func saveSnapshot(_ snapshot: Snapshot) async throws {
        guard let snapshots else { return }
        var keyIDs: Set<UUID> = []
        var version = 0
        if let previous = try await snapshots.snapshot(of: snapshot.stream), previous.version <= snapshot.version {
            keyIDs = Set(Self.sealedKeys(previous) ?? [])
            version = previous.version
        }
        while version < snapshot.version {
            let events = try await base.readStream(
                snapshot.stream, from: version + 1, direction: .forward, limit: min(1_000, snapshot.version - version))
            guard let last = events.last else { break }
            for event in events {
                if let personal = try PersonalMetadata(of: event) { keyIDs.insert(personal.keyID) }
            }
            version = last.version
        }
        guard !keyIDs.isEmpty else { return try await snapshots.saveSnapshot(snapshot) }
        let sorted = keyIDs.sorted { $0.uuidString < $1.uuidString }
        // A subject forgotten meanwhile: the state may hold their values, and nothing can seal it any more.
        guard let key = try await snapshotKey(sorted, stream: snapshot.stream) else { return }
        var sealed = snapshot
        sealed.state = [
            "$sealed": .string(
                try cipher.seal(
                    snapshot.state,
                    context: PersonalDataCipher.context(snapshotOf: snapshot.stream, version: snapshot.version),
                    with: key)),
            "$keys": .array(sorted.map { .string($0.uuidString.lowercased()) }),
        ]
        try await snapshots.saveSnapshot(sealed)
    }

    public func deleteSnapshot(of stream: StreamName) async throws {
        try await snapshots?.deleteSnapshot(of: stream)
    }

    /// The key ids a sealed snapshot names; nil when it is not sealed.
    private static func sealedKeys(_ snapshot: Snapshot) -> [UUID]? {
        guard snapshot.state["$sealed"] != nil, let ids = snapshot.state["$keys"]?.array else { return nil }
        return ids.compactMap { $0.string.flatMap(UUID.init(uuidString:)) }
    }

    /// The key derived from the subject keys `ids`; nil when any of them is destroyed or missing.
    private func snapshotKey(_ ids: [UUID], stream: StreamName) async throws -> SymmetricKey? {
        let stored = try await base.subjectKeys(ids: Set(ids))
        var keys: [SymmetricKey] = []
        for id in ids {
            guard let subjectKey = stored[id], let key = try cipher.dataKey(subjectKey) else { return nil }
            keys.append(key)
        }
        return PersonalDataCipher.combinedKey(keys, stream: stream)
    }
}
