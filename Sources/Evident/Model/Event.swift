public import Foundation

/// Who or what an event is about or caused by: `{type, id}`, such as `{"user", "42"}`.
public struct EntityReference: Sendable, Hashable, Codable {
    public var type: String
    public var id: String

    public init(type: String, id: String) {
        self.type = type
        self.id = id
    }
}

/// What an event carries besides its data: who caused it, what it targets, how it relates to other
/// messages, and free-form JSON.
public struct EventMetadata: Sendable, Hashable {
    /// Who caused the event.
    public var actor: EntityReference?
    /// What the event is aimed at, when that differs from its stream.
    public var target: EntityReference?
    /// The id of the message (command or event) that caused this event: any string of 1 to
    /// ``maximumIdentifierLength`` characters, such as a UUID.
    public var causationId: String?
    /// The id shared by every message of one conversation or workflow, of 1 to ``maximumIdentifierLength``
    /// characters.
    public var correlationId: String?
    /// Anything else, as a JSON object.
    public var extra: [String: JSON]

    public init(
        actor: EntityReference? = nil, target: EntityReference? = nil, causationId: String? = nil,
        correlationId: String? = nil, extra: [String: JSON] = [:]
    ) {
        self.actor = actor
        self.target = target
        self.causationId = causationId
        self.correlationId = correlationId
        self.extra = extra
    }

    /// The longest causation or correlation id, in characters.
    public static let maximumIdentifierLength = 256
}

/// An event to append: a fact, named in the past tense, with its JSON data.
///
/// ```swift
/// let event = NewEvent(type: "was_placed", data: ["total": 12.5],
///                      metadata: EventMetadata(actor: EntityReference(type: "user", id: "42")))
/// ```
public struct NewEvent: Sendable, Hashable {
    /// The event's unique id; a time-ordered UUID (v7) unless the caller supplies one.
    public var id: UUID
    /// The event type, such as `was_placed`.
    public var type: String
    /// The event's data.
    public var data: JSON
    public var metadata: EventMetadata
    /// The personal values of ``data`` and their subject, for a ``PrivacyEventStore`` to encrypt; a store
    /// that cannot encrypt refuses an event that has them rather than keep them in clear.
    public var personalData: PersonalData?
    /// The data with its personal values in clear, once a ``PrivacyEventStore`` has sealed them in ``data``:
    /// what projections that run inside the append see. Kept in memory only, never stored.
    package var openedData: JSON?

    public init(
        id: UUID = .timeOrdered(), type: String, data: JSON = [:], metadata: EventMetadata = EventMetadata(),
        personalData: PersonalData? = nil
    ) {
        self.id = id
        self.type = type
        self.data = data
        self.metadata = metadata
        self.personalData = personalData
    }
}

extension NewEvent {
    /// The event's data and metadata as reads will return them: personal values in clear and no sealing
    /// metadata. For projections that run inside an append.
    package var asRead: (data: JSON, metadata: EventMetadata) {
        guard let openedData else { return (data, metadata) }
        var metadata = metadata
        metadata.extra[PersonalMetadata.key] = nil
        return (openedData, metadata)
    }
}

/// An event as stored: the appended event plus its place in its stream and in the global log.
public struct RecordedEvent: Sendable, Hashable {
    public var id: UUID
    /// The stream the event belongs to.
    public var stream: StreamName
    public var type: String
    public var data: JSON
    public var metadata: EventMetadata
    /// The event's 1-based place in its stream.
    public var version: Int
    /// The event's 1-based place in the global log: gap-free, strictly increasing, in commit order.
    public var position: Int64
    /// When the event was recorded (UTC, millisecond precision; never earlier than the event before it in the log).
    public var recordedAt: Date
    /// The event's link in the log's hash chain (``LogChain``), as stored; nil where a store keeps none.
    public var hash: [UInt8]?

    public init(
        id: UUID, stream: StreamName, type: String, data: JSON, metadata: EventMetadata, version: Int,
        position: Int64, recordedAt: Date, hash: [UInt8]? = nil
    ) {
        self.id = id
        self.stream = stream
        self.type = type
        self.data = data
        self.metadata = metadata
        self.version = version
        self.position = position
        self.recordedAt = recordedAt
        self.hash = hash
    }
}
