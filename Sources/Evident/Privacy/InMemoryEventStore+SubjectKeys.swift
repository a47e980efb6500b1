public import Foundation
import Synchronization

extension InMemoryEventStore: SubjectKeyStore {
    public func subjectKey(subjectHash: String) async throws -> SubjectKey? {
        subjectKeys.withLock { $0[subjectHash] }
    }

    public func insertSubjectKey(_ key: SubjectKey) async throws -> SubjectKey {
        subjectKeys.withLock { keys in
            if let existing = keys[key.subjectHash] { return existing }
            keys[key.subjectHash] = key
            return key
        }
    }

    /// Keeps the new keys and checks the live ones while it holds the key table, so that no forgetting comes
    /// between the check and the append.
    public func append(
        _ appends: [StreamAppend], idempotency: Idempotency?, keeping newKeys: [SubjectKey],
        checking liveKeys: [SubjectKey]
    ) async throws -> [AppendResult] {
        try AppendValidation.checkShape(appends)
        let results = try subjectKeys.withLock { keys in
            guard newKeys.allSatisfy({ keys[$0.subjectHash] == nil }),
                liveKeys.allSatisfy({ keys[$0.subjectHash]?.id == $0.id && keys[$0.subjectHash]?.material != nil })
            else { throw SubjectKeyConflict() }
            let results = try commit(appends, idempotency: idempotency)
            if !results.allSatisfy(\.isReplay) {
                for key in newKeys { keys[key.subjectHash] = key }
            }
            return results
        }
        advanceWatch()
        return results
    }

    public func subjectKeys(ids: Set<UUID>) async throws -> [UUID: SubjectKey] {
        subjectKeys.withLock { keys in
            Dictionary(uniqueKeysWithValues: keys.values.filter { ids.contains($0.id) }.map { ($0.id, $0) })
        }
    }

    public func destroySubjectKey(subjectHash: String, at date: Date) async throws -> Bool {
        subjectKeys.withLock { keys in
            guard keys[subjectHash]?.material != nil else { return false }
            keys[subjectHash]?.material = nil
            keys[subjectHash]?.forgottenAt = date
            return true
        }
    }

    public func recordReceipt(subjectHash: String, position: Int64) async throws {
        subjectKeys.withLock { $0[subjectHash]?.receiptPosition = position }
    }

    public func eventsEncrypted(withKey id: UUID) async throws -> (count: Int, streams: [StreamName]) {
        var count = 0
        var streams: Set<StreamName> = []
        var position: Int64 = 0
        while true {
            let page = try await readLog(after: position, filter: .all, limit: 1_000)
            guard let last = page.last else { break }
            for event in page where try PersonalMetadata(of: event)?.keyID == id {
                count += 1
                streams.insert(event.stream)
            }
            position = last.position
        }
        return (count, streams.sorted { $0.description < $1.description })
    }
}
