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
public struct PrivacyEventStore: EventStore, StreamListing, CustomStringConvertible {
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
        // A subject's first key is kept with the events it seals, and a stored key is checked to be live, in the
        // append's transaction: when another writer kept a first key for the same subject meanwhile, seal again
        // with theirs; when the subject was forgotten meanwhile, fail.
        var conflicts = 0
        while true {
            var keys: [String: SealingKey] = [:]
            var described: [[PersonalField]: PersonalFields] = [:]
            var sealed = appends
            for index in sealed.indices {
                for event in sealed[index].events.indices {
                    sealed[index].events[event] = try await seal(
                        sealed[index].events[event], keys: &keys, described: &described)
                }
            }
            do {
                return try await base.append(
                    sealed, idempotency: idempotency, keeping: keys.values.filter(\.isNew).map(\.stored),
                    checking: keys.values.filter { !$0.isNew }.map(\.stored))
            } catch is SubjectKeyConflict {
                conflicts += 1
                guard conflicts < 3 else {
                    throw EventStoreError(
                        code: .busy,
                        message:
                            "Other writers made a data subject's first key at the same moment, three times over; try again."
                    )
                }
            }
        }
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

    public func streams(inCategory category: String, after id: String?, limit: Int, target: EntityReference?)
        async throws -> [StreamSummary]
    {
        try await base.streamListing().streams(inCategory: category, after: id, limit: limit, target: target)
    }

    public func headPosition() async throws -> Int64 {
        try await base.headPosition()
    }

    public func waitForAppends(after position: Int64, timeout: Duration) async throws {
        try await base.waitForAppends(after: position, timeout: timeout)
    }

    // MARK: Sealing and opening

    /// A subject's key as one append seals with it.
    private struct SealingKey {
        /// The key as the store keeps it.
        var stored: SubjectKey
        /// Whether this append makes it.
        var isNew: Bool
        var key: SymmetricKey
        /// The id as stored events name it.
        var idText: String

        init(_ stored: SubjectKey, isNew: Bool, key: SymmetricKey) {
            self.stored = stored
            self.isNew = isNew
            self.key = key
            idText = stored.id.uuidString.lowercased()
        }
    }

    /// `event` with its personal values sealed with its subject's key (`keys` remembers the keys of one append,
    /// by subject, and `described` its events' fields, worked out once).
    private func seal(
        _ event: NewEvent, keys: inout [String: SealingKey], described: inout [[PersonalField]: PersonalFields]
    ) async throws -> NewEvent {
        for reserved in [PersonalMetadata.key, PersonalMetadata.forgottenKey]
        where event.metadata.extra[reserved] != nil {
            throw EventStoreError.invalidArgument(
                "Metadata '\(reserved)' is Evident's own (it describes personal data); use another name.")
        }
        guard let personal = event.personalData else { return event }
        guard !personal.subject.isEmpty else {
            throw EventStoreError.invalidArgument("Event \(event.id) has personal data without a data subject.")
        }
        var sealed = event
        sealed.personalData = nil
        var present: [PersonalField] = []
        var values: [JSON] = []
        for field in personal.fields {
            guard !field.path.isEmpty, let value = event.data[path: field.path] else { continue }
            present.append(field)
            values.append(value)
        }
        guard !present.isEmpty else { return sealed }
        let fields: PersonalFields
        if let known = described[present] {
            fields = known
        } else {
            fields = PersonalFields(present)
            described[present] = fields
        }
        sealed.data.setValues(fields.forgottenValues, at: present)
        if keys[personal.subject] == nil {
            keys[personal.subject] = try await liveKey(subjectHash: PersonalDataCipher.subjectHash(personal.subject))
        }
        let key = keys[personal.subject]!
        let box = try cipher.seal(.array(values), context: fields.context(event: event.id), with: key.key)
        sealed.metadata.extra[PersonalMetadata.key] = PersonalMetadata.json(keyID: key.idText, fields: fields, box: box)
        sealed.openedData = event.data
        return sealed
    }

    /// The subject's key, made on first use (to be kept with the append); fails when the subject was forgotten.
    private func liveKey(subjectHash: String) async throws -> SealingKey {
        guard let stored = try await base.subjectKey(subjectHash: subjectHash) else {
            let new = try cipher.newKey(subjectHash: subjectHash, at: clock())
            return SealingKey(new, isNew: true, key: try cipher.dataKey(new)!)
        }
        guard let key = try cipher.dataKey(stored) else {
            throw EventStoreError.invalidArgument(
                "This data subject was forgotten; Evident keeps no new personal data for it (give the person a new id "
                    + "if they come back).")
        }
        return SealingKey(stored, isNew: false, key: key)
    }

    /// `events` with their personal values opened, or replaced by their forgotten values.
    func open(_ events: consuming [RecordedEvent]) async throws -> [RecordedEvent] {
        let sealed = try PersonalDataOpener.Sealed(consume events)
        guard !sealed.keyIDs.isEmpty else { return sealed.events }
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
        /// The events as stored.
        public fileprivate(set) var events: [RecordedEvent]
        var personal: [PersonalMetadata?]
        /// The ids of the subject keys the events are sealed with: the keys ``open(_:keys:)`` needs.
        public let keyIDs: Set<UUID>

        public init(_ events: consuming [RecordedEvent]) throws {
            self.events = events
            var cache = PersonalMetadata.ReadCache()
            personal = try events.map { try PersonalMetadata(of: $0, cache: &cache) }
            keyIDs = Set(personal.lazy.compactMap { $0?.keyID })
        }
    }

    /// The events with their personal values opened with `keys` (live or forgotten, by id), or replaced by their
    /// forgotten values.
    public func open(_ sealed: consuming Sealed, keys: [UUID: SubjectKey]) throws -> [RecordedEvent] {
        var dataKeys: [UUID: SymmetricKey] = [:]
        for id in sealed.keyIDs {
            if let key = keys[id] { dataKeys[id] = try cipher.dataKey(key) }
        }
        // Taken out of `sealed`, so that each event's data is changed in place rather than copied.
        var events = sealed.events
        sealed.events = []
        for index in events.indices {
            guard let personal = sealed.personal[index] else { continue }
            try open(&events[index], personal, with: dataKeys[personal.keyID])
        }
        return events
    }

    private func open(_ event: inout RecordedEvent, _ personal: PersonalMetadata, with key: SymmetricKey?) throws {
        event.metadata.extra[PersonalMetadata.key] = nil
        let fields = personal.fields
        guard let key else {
            event.data.setValues(fields.forgottenValues, at: fields.fields)
            event.metadata.extra[PersonalMetadata.forgottenKey] = fields.displayPaths
            return
        }
        guard let values = cipher.open(personal.box, context: fields.context(event: event.id), with: key)?.array,
            values.count == fields.fields.count
        else {
            throw EventStoreError(
                code: .storageFailure,
                message: "The personal values of event \(event.id) (position \(event.position)) do not decrypt: "
                    + "they were altered, or moved from another event.")
        }
        event.data.setValues(values, at: fields.fields)
    }
}

/// What a stored event's metadata says of its personal values, under `personal`: `{"key": KEY-ID, "paths":
/// ["/email", "/address/city"], "forgotten": [VALUE, …], "box": SEALED}`. Paths are JSON Pointers into the
/// event's data; the values themselves are sealed together, in path order, in the box, and the event's data
/// holds each one's forgotten value in its place.
struct PersonalMetadata {
    static let key = "personal"
    /// Where reads list the paths of values whose subject was forgotten.
    static let forgottenKey = "forgotten"

    var keyID: UUID
    var fields: PersonalFields
    /// The base64 of the sealed JSON array of the values.
    var box: String

    /// Key ids and fields already read from their text: a page of events names the same few again and again,
    /// mostly one event after the other.
    struct ReadCache {
        var ids: [String: UUID] = [:]
        var fields: [Described: PersonalFields] = [:]
        var last: (id: String, keyID: UUID, described: Described, fields: PersonalFields)?

        /// The fields as the metadata describes them.
        struct Described: Hashable {
            var pointers: [JSON]
            var forgotten: [JSON]
        }
    }

    /// What `event`'s metadata says; nil when it has no personal values.
    init?(of event: RecordedEvent) throws {
        var cache = ReadCache()
        try self.init(of: event, cache: &cache)
    }

    /// What `event`'s metadata says, its key id and fields read through `cache`.
    init?(of event: RecordedEvent, cache: inout ReadCache) throws {
        guard case .object(let json)? = event.metadata.extra[Self.key] else {
            guard event.metadata.extra[Self.key] == nil else { throw Self.damaged(event) }
            return nil
        }
        guard case .string(let text)? = json["key"], case .array(let pointers)? = json["paths"],
            case .array(let forgotten)? = json["forgotten"], case .string(let box)? = json["box"],
            !pointers.isEmpty, forgotten.count == pointers.count
        else { throw Self.damaged(event) }
        self.box = box
        let described = ReadCache.Described(pointers: pointers, forgotten: forgotten)
        if let last = cache.last, last.id == text, last.described == described {
            keyID = last.keyID
            fields = last.fields
            return
        }
        if cache.ids[text] == nil { cache.ids[text] = UUID(uuidString: text) }
        guard let id = cache.ids[text] else { throw Self.damaged(event) }
        keyID = id
        if let fields = cache.fields[described] {
            self.fields = fields
        } else {
            fields = PersonalFields(
                try zip(pointers, forgotten).map { pointer, forgotten in
                    guard let path = pointer.string.flatMap(Self.path(pointer:)) else { throw Self.damaged(event) }
                    return PersonalField(path: path, forgotten: forgotten)
                })
            cache.fields[described] = fields
        }
        cache.last = (text, keyID, described, fields)
    }

    private static func damaged(_ event: RecordedEvent) -> EventStoreError {
        EventStoreError(
            code: .storageFailure,
            message: "The personal-data metadata of event \(event.id) (position \(event.position)) is damaged.")
    }

    /// The description of values sealed in `box` with the key whose id reads `keyID`.
    static func json(keyID: String, fields: PersonalFields, box: String) -> JSON {
        [
            "key": .string(keyID), "paths": fields.pointers, "forgotten": .array(fields.forgottenValues),
            "box": .string(box),
        ]
    }

    /// The JSON Pointer (RFC 6901) of a path of object keys: `["address", "city"]` is `/address/city`.
    static func pointer(_ path: [String]) -> String {
        path.reduce(into: "") { pointer, key in
            pointer += "/"
            pointer +=
                key.utf8.contains { $0 == UInt8(ascii: "~") || $0 == UInt8(ascii: "/") }
                ? key.replacing("~", with: "~0").replacing("/", with: "~1") : key
        }
    }

    /// The path of object keys a JSON Pointer names; nil for the whole document or text that is no pointer.
    static func path(pointer: String) -> [String]? {
        guard pointer.first == "/" else { return nil }
        return pointer.dropFirst().split(separator: "/", omittingEmptySubsequences: false).map {
            $0.utf8.contains(UInt8(ascii: "~"))
                ? String($0).replacing("~1", with: "/").replacing("~0", with: "~") : String($0)
        }
    }
}

/// An event's personal fields with what sealing and opening their values needs of them, worked out once for
/// all the events that share them.
struct PersonalFields {
    let fields: [PersonalField]
    /// Their paths as JSON Pointers, as the metadata lists them.
    let pointers: JSON
    let forgottenValues: [JSON]
    /// Their paths as reads list them once forgotten (`["data.email"]`).
    let displayPaths: JSON
    /// What binds sealed values to these paths: the end of the box's authenticated context.
    private let pathsContext: [UInt8]

    init(_ fields: [PersonalField]) {
        self.fields = fields
        pointers = .array(fields.map { .string(PersonalMetadata.pointer($0.path)) })
        forgottenValues = fields.map(\.forgotten)
        displayPaths = .array(fields.map { .string($0.displayPath) })
        pathsContext = PersonalDataCipher.context(paths: fields.map(\.path))
    }

    /// The authenticated context of the values of event `id`: the event, then the paths.
    func context(event id: UUID) -> [UInt8] {
        var context: [UInt8] = []
        context.reserveCapacity(16 + pathsContext.count)
        withUnsafeBytes(of: id.uuid) { context += $0 }
        context += pathsContext
        return context
    }
}

extension JSON {
    /// Sets `values` (in the order of `fields`) where the fields' paths lead to values, as `self[path:]` does
    /// for each; the object is taken apart once for them all, so that it is changed in place.
    mutating func setValues(_ values: [JSON], at fields: [PersonalField]) {
        guard case .object(var object) = self else { return }
        self = .null
        for (field, value) in zip(fields, values) {
            guard let key = field.path.first, let index = object.index(forKey: key) else { continue }
            if field.path.count == 1 {
                object.values[index] = value
            } else {
                object.values[index][path: Array(field.path.dropFirst())] = value
            }
        }
        self = .object(object)
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
