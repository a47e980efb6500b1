/// Turns the stored data of one event type from one schema version into the next, on read. Stored events are
/// never rewritten: upcasters run every time an old event is decoded, chained version by version.
///
/// ```swift
/// // Version 1 stored `amount` in cents as a string; version 2 stores an integer.
/// Upcaster(eventType: "money_deposited", from: 1) { data in
///     var data = data.object ?? [:]
///     data["amount"] = .int(Int(data["amount"]?.string ?? "0") ?? 0)
///     return .object(data)
/// }
/// ```
public struct Upcaster: Sendable {
    /// The stored type name this upcaster reads.
    public var eventType: String
    /// The schema version it reads; it produces version `fromVersion + 1`.
    public var fromVersion: Int
    /// The type name of the result, when the event was renamed; nil to keep ``eventType``.
    public var renamedTo: String?
    /// The transformation of the data.
    public var transform: @Sendable (JSON) throws -> JSON

    public init(
        eventType: String, from version: Int, renamedTo: String? = nil,
        transform: @escaping @Sendable (JSON) throws -> JSON
    ) {
        self.eventType = eventType
        self.fromVersion = version
        self.renamedTo = renamedTo
        self.transform = transform
    }
}
