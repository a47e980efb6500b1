import Crypto
public import Foundation

/// An event store that keeps personal data encrypted with a key per data subject, so that a subject can be
/// forgotten by destroying their key while the log stays as it was written (crypto-shredding).
///
/// Events that carry ``NewEvent/personalData`` have those values sealed (AES-256-GCM) before they reach `base`;
/// nothing else is encrypted. The stored event's metadata names the key and the sealed paths under `personal`.
/// Reads open them again; once the subject is forgotten (``forget(subject:reason:)``), the values read as their
/// ``PersonalField/forgotten`` values and the event's metadata lists them under `forgotten`
/// (`["data.email"]`). Keys are read from `base` for every read that needs them, so a forgetting on one node
/// is in force on every node at once.
///
/// ```swift
/// let store = PrivacyEventStore(try SQLiteEventStore(path: "shop.sqlite"), masterKey: try MasterKey(text: key))
/// ```
public struct PrivacyEventStore: EventStore, CustomStringConvertible {
    /// The store the encrypted events are kept in.
    public let base: any EventStore & SubjectKeyStore
    let cipher: PersonalDataCipher
    let clock: @Sendable () -> Date

    /// The system stream that forgettings' receipts are appended to.
    public static var receiptsStream: StreamName { try! StreamName(category: "$privacy", id: "receipts") }

    /// What stores keep instead of a subject's id: the hex SHA-256 of `evident-subject:` and the id.
    public static func subjectHash(_ subject: String) -> String {
        PersonalDataCipher.subjectHash(subject)
    }

    /// `masterKey` wraps the subjects' keys in `base`; without one they are stored as they are.
    public init(
        _ base: any EventStore & SubjectKeyStore, masterKey: MasterKey? = nil,
        clock: @escaping @Sendable () -> Date = Date.init
    ) {
        self.base = base
        self.cipher = PersonalDataCipher(masterKey: masterKey)
        self.clock = clock
    }

    /// The base store's description (never a key).
    public var description: String { "\(base)" }

    public func append(_ appends: [StreamAppend], idempotency: Idempotency?) async throws -> [AppendResult] {
        var keys: [String: (id: UUID, key: SymmetricKey)] = [:]
        var sealed = appends
        for index in sealed.indices {
            for event in sealed[index].events.indices {
                sealed[index].events[event] = try await seal(sealed[index].events[event], keys: &keys)
            }
        }
        return try await base.append(sealed, idempotency: idempotency)
    }

    public func idempotentAppend(forKey key: String) async throws -> IdempotentAppend? {
        try await base.idempotentAppend(forKey: key)
    }

    public func readStream(_ stream: StreamName, from version: Int, direction: ReadDirection, limit: Int)
        async throws -> [RecordedEvent]
    {
        try await open(try await base.readStream(stream, from: version, direction: direction, limit: limit))
    }

    public func readLog(after position: Int64, filter: LogFilter, limit: Int) async throws -> [RecordedEvent] {
        try await open(try await base.readLog(after: position, filter: filter, limit: limit))
    }

    public func streamInfo(_ stream: StreamName) async throws -> StreamInfo? {
        try await base.streamInfo(stream)
    }

    public func headPosition() async throws -> Int64 {
        try await base.headPosition()
    }

    public func waitForAppends(after position: Int64, timeout: Duration) async throws {
        try await base.waitForAppends(after: position, timeout: timeout)
    }

    // MARK: Sealing and opening

    /// `event` with its personal values sealed with its subject's key (`keys` remembers the keys of one append).
    private func seal(_ event: NewEvent, keys: inout [String: (id: UUID, key: SymmetricKey)]) async throws
        -> NewEvent
    {
        for reserved in [PersonalMetadata.key, PersonalMetadata.forgottenKey]
        where event.metadata.extra[reserved] != nil {
            throw EventStoreError.invalidArgument(
                "Metadata '\(reserved)' is Evident's own (it describes personal data); use another name.")
        }
        guard let personal = event.personalData else { return event }
        guard !personal.subject.isEmpty else {
            throw EventStoreError.invalidArgument("Event \(event.id) has personal data without a data subject.")
        }
        let subjectHash = PersonalDataCipher.subjectHash(personal.subject)
        var sealed = event
        sealed.personalData = nil
        var fields: [PersonalField] = []
        for field in personal.fields {
            guard !field.path.isEmpty, let value = event.data[path: field.path] else { continue }
            if keys[subjectHash] == nil { keys[subjectHash] = try await liveKey(subjectHash: subjectHash) }
            let context = PersonalDataCipher.context(event: event.id, path: field.path)
            sealed.data[path: field.path] = .string(
                try cipher.seal(value, context: context, with: keys[subjectHash]!.key))
            fields.append(field)
        }
        if let key = keys[subjectHash], !fields.isEmpty {
            sealed.metadata.extra[PersonalMetadata.key] = PersonalMetadata(keyID: key.id, fields: fields).json
        }
        return sealed
    }

    /// The subject's key, made on first use; fails when the subject was forgotten.
    private func liveKey(subjectHash: String) async throws -> (id: UUID, key: SymmetricKey) {
        var stored = try await base.subjectKey(subjectHash: subjectHash)
        if stored == nil {
            stored = try await base.insertSubjectKey(try cipher.newKey(subjectHash: subjectHash, at: clock()))
        }
        guard let stored, let key = try cipher.dataKey(stored) else {
            throw EventStoreError.invalidArgument(
                "This data subject was forgotten; Evident keeps no new personal data for it (give the person a new id "
                    + "if they come back).")
        }
        return (stored.id, key)
    }

    /// `events` with their personal values opened, or replaced by their forgotten values.
    func open(_ events: [RecordedEvent]) async throws -> [RecordedEvent] {
        let described = try events.map { event in (event, try PersonalMetadata(of: event)) }
        let ids = Set(described.compactMap { $0.1?.keyID })
        guard !ids.isEmpty else { return events }
        var dataKeys: [UUID: SymmetricKey] = [:]
        for (id, key) in try await base.subjectKeys(ids: ids) {
            dataKeys[id] = try cipher.dataKey(key)
        }
        return try described.map { event, personal in
            guard let personal else { return event }
            var opened = event
            opened.metadata.extra[PersonalMetadata.key] = nil
            let key = dataKeys[personal.keyID]
            var forgotten: [JSON] = []
            for field in personal.fields {
                guard let key else {
                    opened.data[path: field.path] = field.forgotten
                    forgotten.append(.string(field.displayPath))
                    continue
                }
                guard let sealed = event.data[path: field.path],
                    let value = cipher.open(
                        sealed, context: PersonalDataCipher.context(event: event.id, path: field.path), with: key)
                else {
                    throw EventStoreError(
                        code: .storageFailure,
                        message: "The personal value at \(field.displayPath) of event \(event.id) (position "
                            + "\(event.position)) does not decrypt: it was altered, or moved from another event.")
                }
                opened.data[path: field.path] = value
            }
            if !forgotten.isEmpty { opened.metadata.extra[PersonalMetadata.forgottenKey] = .array(forgotten) }
            return opened
        }
    }
}

/// What a stored event's metadata says of its personal values: `{"key": KEY-ID, "fields": [{"path": […],
/// "forgotten": VALUE}]}` under `personal`.
struct PersonalMetadata {
    static let key = "personal"
    /// Where reads list the paths of values whose subject was forgotten.
    static let forgottenKey = "forgotten"

    var keyID: UUID
    var fields: [PersonalField]

    init(keyID: UUID, fields: [PersonalField]) {
        self.keyID = keyID
        self.fields = fields
    }

    /// What `event`'s metadata says; nil when it has no personal values.
    init?(of event: RecordedEvent) throws {
        guard let json = event.metadata.extra[Self.key] else { return nil }
        let damaged = EventStoreError(
            code: .storageFailure,
            message: "The personal-data metadata of event \(event.id) (position \(event.position)) is damaged.")
        guard let id = json["key"]?.string.flatMap(UUID.init(uuidString:)), let fields = json["fields"]?.array else {
            throw damaged
        }
        keyID = id
        self.fields = try fields.map { field in
            guard let path = field["path"]?.array?.compactMap(\.string), !path.isEmpty,
                path.count == field["path"]?.array?.count
            else { throw damaged }
            return PersonalField(path: path, forgotten: field["forgotten"] ?? .null)
        }
    }

    var json: JSON {
        [
            "key": .string(keyID.uuidString.lowercased()),
            "fields": .array(fields.map { ["path": .array($0.path.map(JSON.string)), "forgotten": $0.forgotten] }),
        ]
    }
}

/// The events as stored, personal values sealed: what the hash chain covers.
extension PrivacyEventStore: VerifiableStore {
    public func storedEvents(after position: Int64, limit: Int) async throws -> [StoredEvent] {
        guard let base = base as? any VerifiableStore else {
            throw EventStoreError.invalidArgument("This store keeps no hash chain to verify.")
        }
        return try await base.storedEvents(after: position, limit: limit)
    }
}
