public import Evident
import Foundation

/// A store's worth of everything ``StoreCopy`` copies, for tests of copies between stores.
public enum StoreCopyFixture {
    /// What ``fill(_:)`` writes.
    public static let counts = StoreCopy.Counts(
        events: 43, idempotencyKeys: 3, snapshots: 2, checkpoints: 2, parkedEvents: 1, subjectKeys: 2)

    /// Writes 40 events over 5 streams (3 of them with idempotency keys), 2 snapshots, 2 checkpoints, a
    /// parked event, and the personal data of two subjects (one of them forgotten, with its receipt) into an
    /// empty store.
    public static func fill(_ store: any CopyableStore) async throws {
        for index in 0..<37 {
            try await store.append(
                [NewEvent(type: "was_credited", data: ["amount": .int(index), "note": .string("ü \(index)")])],
                to: StreamName("account:\(index % 5)"))
        }
        for index in 0..<3 {
            _ = try await store.append(
                [StreamAppend(stream: try StreamName("order:\(index)"), events: [NewEvent(type: "was_placed")])],
                idempotency: Idempotency(key: "order-\(index)", fingerprint: "f\(index)"))
        }
        try await store.saveSnapshot(
            Snapshot(stream: try StreamName("account:1"), version: 4, schemaVersion: 1, state: ["total": 10]))
        try await store.saveSnapshot(
            Snapshot(stream: try StreamName("account:2"), version: 2, schemaVersion: 3, state: ["total": 1.5]))
        try await store.saveCheckpoint(12, of: "totals")
        try await store.saveCheckpoint(30, of: "mailer")
        let parked = try await store.readLog(after: 30, filter: .all, limit: 1)[0]
        try await store.park(
            ParkedEvent(
                consumer: "mailer", position: parked.position, eventId: parked.id, stream: parked.stream,
                eventType: parked.type, error: "smtp down", attempts: 3,
                parkedAt: Date(unixMilliseconds: 1_700_000_000_000)))
        let privacy = PrivacyEventStore(store)
        for subject in ["customer-1", "customer-2"] {
            try await privacy.append(
                [
                    NewEvent(
                        type: "was_registered", data: ["email": .string("\(subject)@example.com")],
                        personalData: PersonalData(subject: subject, fields: [PersonalField(path: ["email"])]))
                ], to: try StreamName("customer:\(subject)"))
        }
        _ = try await privacy.forget(subject: "customer-2", reason: "asked to")
    }
}
