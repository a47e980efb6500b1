public import Foundation

/// A data subject's key, as a ``SubjectKeyStore`` keeps it.
public struct SubjectKey: Sendable, Hashable {
    /// The SHA-256 of the subject's id (``PersonalDataCipher/subjectHash(_:)``): stores never keep the id itself.
    public var subjectHash: String
    /// The key's id, which the events it encrypts name; random, so it says nothing of the subject.
    public var id: UUID
    /// The 256-bit data key, wrapped with the master key when there is one; nil once the subject is forgotten.
    public var material: [UInt8]?
    public var createdAt: Date
    /// When the subject was forgotten.
    public var forgottenAt: Date?
    /// The position of the forgetting's receipt in the log, once it is appended.
    public var receiptPosition: Int64?

    public init(
        subjectHash: String, id: UUID, material: [UInt8]?, createdAt: Date, forgottenAt: Date? = nil,
        receiptPosition: Int64? = nil
    ) {
        self.subjectHash = subjectHash
        self.id = id
        self.material = material
        self.createdAt = createdAt
        self.forgottenAt = forgottenAt
        self.receiptPosition = receiptPosition
    }
}

extension SubjectKey {
    /// The text every stored event encrypted with key `id` has in its metadata, for stores to find them with.
    public static func metadataText(keyID id: UUID) -> String {
        "\"key\":\"\(id.uuidString.lowercased())\""
    }
}

/// A subject's key changed since an append read it: a subject it brought a new key for has a key already, or a
/// key it sealed with was destroyed. The append wrote nothing.
public struct SubjectKeyConflict: Error {
    public init() {}
}

/// Where a store keeps its data subjects' keys: a table of their own, in the same database as the events, so
/// that destroying a key makes the subject's personal values unreadable everywhere the store is read. Every
/// store implements it and passes `PrivacyContract`.
public protocol SubjectKeyStore: Sendable {
    /// The key of the subject whose id hashes to `subjectHash`, live or forgotten; nil when there is none.
    func subjectKey(subjectHash: String) async throws -> SubjectKey?

    /// Keeps `key` unless its subject has a key already, and returns the subject's key either way (so that
    /// two writers creating a subject's first key at once end up with the same one).
    func insertSubjectKey(_ key: SubjectKey) async throws -> SubjectKey

    /// Appends as ``EventStore/append(_:idempotency:)`` does, keeps `newKeys` and checks `liveKeys`: the subject
    /// keys the events' personal values are sealed with, new and stored. It checks `liveKeys` in the append's own
    /// transaction, so that no forgetting comes between, and keeps `newKeys` there too where it can. Fails with
    /// ``SubjectKeyConflict``, having written nothing, when a subject of `newKeys` has a key already (another
    /// writer made it first) or a key of `liveKeys` was destroyed (the subject was forgotten); the caller reads
    /// the keys again.
    func append(
        _ appends: [StreamAppend], idempotency: Idempotency?, keeping newKeys: [SubjectKey],
        checking liveKeys: [SubjectKey]
    ) async throws -> [AppendResult]

    /// The keys with these ids, live or forgotten.
    func subjectKeys(ids: Set<UUID>) async throws -> [UUID: SubjectKey]

    /// Destroys the subject's key material and records when, leaving no copy of it in the store's files that
    /// the store can erase (each store's documentation says what remains); false when the subject has no live
    /// key. Called again for a destroyed key, it erases what an interrupted call may have left.
    func destroySubjectKey(subjectHash: String, at date: Date) async throws -> Bool

    /// Records where the receipt of the subject's forgetting is in the log.
    func recordReceipt(subjectHash: String, position: Int64) async throws

    /// How many events hold values encrypted with the key `id`, and their streams (sorted).
    func eventsEncrypted(withKey id: UUID) async throws -> (count: Int, streams: [StreamName])
}
