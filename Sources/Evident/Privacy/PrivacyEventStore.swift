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
            sealed.openedData = event.data
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
        let sealed = try PersonalDataOpener.Sealed(events)
        guard !sealed.keyIDs.isEmpty else { return events }
        return try opener.open(sealed, keys: try await base.subjectKeys(ids: sealed.keyIDs))
    }

    /// What opens this store's events where its reads cannot: in a transaction of the base store, for the
    /// projections that run there (`rebuildInlineProjection(named:opening:)`, `projectionRunner(for:opening:)`).
    public var opener: PersonalDataOpener { PersonalDataOpener(cipher: cipher) }
}

/// Opens the personal values of stored events with their subjects' keys, or replaces them with their forgotten
/// values once the key is destroyed: what a ``PrivacyEventStore``'s reads do, for code that reads the base
/// store's events itself, such as a projection that runs in the base store's transaction. It needs the same
/// master key as the store.
public struct PersonalDataOpener: Sendable {
    let cipher: PersonalDataCipher

    init(cipher: PersonalDataCipher) {
        self.cipher = cipher
    }

    public init(masterKey: MasterKey?) {
        cipher = PersonalDataCipher(masterKey: masterKey)
    }

    /// Events as stored, with what their metadata says of their personal values, read once.
    public struct Sealed: Sendable {
        var events: [RecordedEvent]
        var personal: [PersonalMetadata?]
        /// The ids of the subject keys the events are sealed with: the keys ``open(_:keys:)`` needs.
        public let keyIDs: Set<UUID>

        public init(_ events: [RecordedEvent]) throws {
            self.events = events
            var ids: [String: UUID] = [:]
            personal = try events.map { try PersonalMetadata(of: $0, ids: &ids) }
            keyIDs = Set(ids.values)
        }
    }

    /// The events with their personal values opened with `keys` (live or forgotten, by id), or replaced by their
    /// forgotten values.
    public func open(_ sealed: Sealed, keys: [UUID: SubjectKey]) throws -> [RecordedEvent] {
        var dataKeys: [UUID: SymmetricKey] = [:]
        for id in sealed.keyIDs {
            if let key = keys[id] { dataKeys[id] = try cipher.dataKey(key) }
        }
        var events = sealed.events
        for index in events.indices {
            guard let personal = sealed.personal[index] else { continue }
            try open(&events[index], personal, with: dataKeys[personal.keyID])
        }
        return events
    }

    private func open(_ event: inout RecordedEvent, _ personal: PersonalMetadata, with key: SymmetricKey?) throws {
        event.metadata.extra[PersonalMetadata.key] = nil
        var forgotten: [JSON] = []
        for field in personal.fields {
            guard let key else {
                event.data[path: field.path] = field.forgotten
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
            event.data[path: field.path] = value
        }
        if !forgotten.isEmpty { event.metadata.extra[PersonalMetadata.forgottenKey] = .array(forgotten) }
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
        var ids: [String: UUID] = [:]
        try self.init(of: event, ids: &ids)
    }

    /// What `event`'s metadata says, its key's id read through `ids` (the ids read so far, by their text).
    init?(of event: RecordedEvent, ids: inout [String: UUID]) throws {
        guard let json = event.metadata.extra[Self.key] else { return nil }
        func damaged() -> EventStoreError {
            EventStoreError(
                code: .storageFailure,
                message: "The personal-data metadata of event \(event.id) (position \(event.position)) is damaged.")
        }
        guard let text = json["key"]?.string, let fields = json["fields"]?.array else { throw damaged() }
        if ids[text] == nil { ids[text] = UUID(uuidString: text) }
        guard let id = ids[text] else { throw damaged() }
        keyID = id
        self.fields = try fields.map { field in
            guard let elements = field["path"]?.array, !elements.isEmpty else { throw damaged() }
            let path = elements.compactMap(\.string)
            guard path.count == elements.count else { throw damaged() }
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
