public import Foundation

/// The events of one aggregate (or one module), usually an enum with one case per ``DomainEvent``.
///
/// A family knows how to turn its cases into stored events and back through its ``registry``.
///
/// ```swift
/// enum AccountEvent: EventFamily {
///     case opened(AccountOpened)
///     case deposited(MoneyDeposited)
///
///     static let registry = EventRegistry<AccountEvent>()
///         .register(AccountOpened.self, as: AccountEvent.opened)
///         .register(MoneyDeposited.self, as: AccountEvent.deposited)
///
///     var payload: any DomainEvent {
///         switch self {
///         case .opened(let event): event
///         case .deposited(let event): event
///         }
///     }
/// }
/// ```
public protocol EventFamily: Sendable {
    /// The types of the family, their names, schema versions and upcasters.
    static var registry: EventRegistry<Self> { get }
    /// The typed event this value carries.
    var payload: any DomainEvent { get }
}

extension EventFamily {
    /// The stored type name of this event.
    public var eventType: String { type(of: payload).eventType }

    /// Decodes a stored event, upcasting its data to the current schema version first.
    ///
    /// Throws ``EventCodingError`` with code `unknownEventType` when the family has no such type.
    public init(recorded event: RecordedEvent) throws(EventCodingError) {
        self = try Self.registry.decode(
            type: event.type, data: event.data, schemaVersion: EventRegistry<Self>.schemaVersion(of: event.metadata))
    }

    /// Decodes a stored event, or returns nil when the family has no such type (so a projection can skip
    /// other aggregates' events); data that does not decode still throws.
    public static func decodeIfKnown(_ event: RecordedEvent) throws(EventCodingError) -> Self? {
        guard registry.knows(event.type) else { return nil }
        return try Self(recorded: event)
    }

    /// The event to append, with its type name, data, and schema version (in the metadata).
    public func newEvent(id: UUID = .timeOrdered(), metadata: EventMetadata = EventMetadata())
        throws(EventCodingError) -> NewEvent
    {
        try Self.registry.encode(self, id: id, metadata: metadata)
    }
}
