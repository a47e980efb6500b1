/// An error turning typed events into stored ones or back. Its ``description`` names the event type and
/// version but never the event's data; ``debugDescription`` adds the underlying cause.
public struct EventCodingError: Error, Sendable, CustomStringConvertible, CustomDebugStringConvertible {
    /// What kind of error this is; new codes may be added without breaking users.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        public let name: String
        private init(_ name: String) { self.name = name }
        public var description: String { name }

        /// The stored type name is not registered in the family.
        public static let unknownEventType = Code("unknownEventType")
        /// The data (after upcasting) does not decode into the registered type.
        public static let undecodableEvent = Code("undecodableEvent")
        /// No upcaster leads from the stored schema version to the current one.
        public static let noUpcastPath = Code("noUpcastPath")
        /// The stored schema version is newer than the code's: the event was written by a newer release.
        public static let schemaVersionTooNew = Code("schemaVersionTooNew")
        /// The event's type is not registered, or its value does not encode to a JSON object.
        public static let unencodableEvent = Code("unencodableEvent")
        /// A state or snapshot failed to encode or decode.
        public static let undecodableState = Code("undecodableState")
    }

    public var code: Code
    /// A message a person can act on.
    public var message: String
    /// The stored event type concerned.
    public var eventType: String?
    /// The schema version concerned.
    public var schemaVersion: Int?
    /// The underlying cause, for ``debugDescription`` only (it may quote data).
    public var underlying: String?

    public init(
        code: Code, message: String, eventType: String? = nil, schemaVersion: Int? = nil, underlying: String? = nil
    ) {
        self.code = code
        self.message = message
        self.eventType = eventType
        self.schemaVersion = schemaVersion
        self.underlying = underlying
    }

    public var description: String { message }
    public var debugDescription: String { underlying.map { "\(message) (\($0))" } ?? message }
}
