public import Foundation

/// Maps stored type names to the typed events of a family, with the upcasters that bring old data up to the
/// current schema versions. Build it once, as the family's `static let registry`.
///
/// ```swift
/// static let registry = EventRegistry<AccountEvent>()
///     .register(AccountOpened.self, as: AccountEvent.opened)
///     .register(MoneyDeposited.self, as: AccountEvent.deposited)
///     .upcast("money_deposited", from: 1) { data in … }
/// ```
public struct EventRegistry<Event: Sendable>: Sendable {
    struct Entry: Sendable {
        var schemaVersion: Int
        var decode: @Sendable (JSON) throws -> Event
    }

    private var entries: [String: Entry] = [:]
    private var upcasters: [UpcasterKey: Upcaster] = [:]

    struct UpcasterKey: Hashable {
        var eventType: String
        var version: Int
    }

    /// The metadata key that holds an event's schema version; absent means version 1.
    public static var schemaVersionKey: String { "schema_version" }

    public init() {}

    /// Registers a typed event and the case of the family that carries it.
    public func register<E: DomainEvent>(_ type: E.Type, as embed: @escaping @Sendable (E) -> Event) -> Self {
        var copy = self
        precondition(copy.entries[E.eventType] == nil, "Event type '\(E.eventType)' is registered twice.")
        copy.entries[E.eventType] = Entry(schemaVersion: E.schemaVersion) { json in
            embed(try JSONCoding.decode(E.self, from: json))
        }
        return copy
    }

    /// Adds an upcaster; see ``Upcaster``.
    public func upcast(_ upcaster: Upcaster) -> Self {
        var copy = self
        copy.upcasters[UpcasterKey(eventType: upcaster.eventType, version: upcaster.fromVersion)] = upcaster
        return copy
    }

    /// Adds an upcaster for `eventType` from schema version `version` to `version + 1`.
    public func upcast(
        _ eventType: String, from version: Int, renamedTo: String? = nil,
        _ transform: @escaping @Sendable (JSON) throws -> JSON
    ) -> Self {
        upcast(Upcaster(eventType: eventType, from: version, renamedTo: renamedTo, transform: transform))
    }

    /// Whether `eventType` is registered, or is an old name that an upcaster renames.
    public func knows(_ eventType: String) -> Bool {
        entries[eventType] != nil || upcasters.keys.contains { $0.eventType == eventType }
    }

    /// The registered type names and their current schema versions.
    public var schemaVersions: [String: Int] { entries.mapValues(\.schemaVersion) }

    /// Brings stored data up to the current schema version of its type, returning the current type name and
    /// data. Throws `noUpcastPath` naming the type and version when no upcaster leads on.
    public func upcast(type: String, data: JSON, schemaVersion: Int) throws(EventCodingError) -> (
        type: String, data: JSON
    ) {
        var type = type
        var data = data
        var version = schemaVersion
        while true {
            if let entry = entries[type] {
                if version == entry.schemaVersion { return (type, data) }
                if version > entry.schemaVersion {
                    throw EventCodingError(
                        code: .schemaVersionTooNew,
                        message: "Event type '\(type)' is stored at schema version \(version), newer than this "
                            + "code's version \(entry.schemaVersion); it was written by a newer release.",
                        eventType: type, schemaVersion: version)
                }
            }
            guard let upcaster = upcasters[UpcasterKey(eventType: type, version: version)] else {
                if entries[type] == nil && version == schemaVersion {
                    throw EventCodingError(
                        code: .unknownEventType,
                        message:
                            "Event type '\(type)' is not registered for \(Event.self); register it or filter it out.",
                        eventType: type, schemaVersion: version)
                }
                throw EventCodingError(
                    code: .noUpcastPath,
                    message: "No upcaster for event type '\(type)' from schema version \(version)"
                        + (entries[type].map { " to the current version \($0.schemaVersion)" } ?? "")
                        + "; register one with upcast(\"\(type)\", from: \(version)).",
                    eventType: type, schemaVersion: version)
            }
            do {
                data = try upcaster.transform(data)
            } catch {
                throw EventCodingError(
                    code: .undecodableEvent,
                    message: "The upcaster of event type '\(type)' from schema version \(version) failed.",
                    eventType: type, schemaVersion: version, underlying: "\(error)")
            }
            type = upcaster.renamedTo ?? type
            version += 1
        }
    }

    /// Decodes stored data of `type` at `schemaVersion` into the family, upcasting first.
    public func decode(type: String, data: JSON, schemaVersion: Int = 1) throws(EventCodingError) -> Event {
        // The common case, a stored event at the current version, takes one lookup.
        if let entry = entries[type], entry.schemaVersion == schemaVersion {
            return try decode(data, as: entry, type: type)
        }
        let (current, upcast) = try self.upcast(type: type, data: data, schemaVersion: schemaVersion)
        guard let entry = entries[current] else {
            throw EventCodingError(
                code: .unknownEventType,
                message: "Event type '\(current)' is not registered for \(Event.self); register it or filter it out.",
                eventType: current, schemaVersion: schemaVersion)
        }
        return try decode(upcast, as: entry, type: current)
    }

    private func decode(_ data: JSON, as entry: Entry, type: String) throws(EventCodingError) -> Event {
        do {
            return try entry.decode(data)
        } catch {
            throw EventCodingError(
                code: .undecodableEvent,
                message: "Stored data of event type '\(type)' (schema version \(entry.schemaVersion)) does not "
                    + "decode; did its shape change without a new schema version and an upcaster?",
                eventType: type, schemaVersion: entry.schemaVersion, underlying: "\(error)")
        }
    }

    /// The schema version recorded in `metadata` (1 when absent).
    public static func schemaVersion(of metadata: EventMetadata) -> Int {
        metadata.extra.isEmpty ? 1 : metadata.extra[schemaVersionKey]?.number.map { Int($0) } ?? 1
    }
}

extension EventRegistry where Event: EventFamily {
    /// The event to append for `event`: its type name, its data as JSON, and its schema version in the
    /// metadata (only when above 1).
    public func encode(_ event: Event, id: UUID = .timeOrdered(), metadata: EventMetadata = EventMetadata())
        throws(EventCodingError) -> NewEvent
    {
        let payload = event.payload
        let payloadType = type(of: payload)
        guard let entry = entries[payloadType.eventType] else {
            throw EventCodingError(
                code: .unencodableEvent,
                message: "Event type '\(payloadType.eventType)' (\(payloadType)) is not registered for \(Event.self).",
                eventType: payloadType.eventType)
        }
        let data: JSON
        let personalData: PersonalData?
        do {
            (data, personalData) = try JSONCoding.encodeWithPersonalData(payload)
        } catch {
            throw EventCodingError(
                code: .unencodableEvent, message: "Event type '\(payloadType.eventType)' failed to encode.",
                eventType: payloadType.eventType, underlying: "\(error)")
        }
        guard case .object = data else {
            throw EventCodingError(
                code: .unencodableEvent,
                message: "Event type '\(payloadType.eventType)' must encode to a JSON object (a struct with keys).",
                eventType: payloadType.eventType)
        }
        var metadata = metadata
        if entry.schemaVersion != 1 { metadata.extra[Self.schemaVersionKey] = .int(entry.schemaVersion) }
        return NewEvent(
            id: id, type: payloadType.eventType, data: data, metadata: metadata, personalData: personalData)
    }
}
