/// A typed event: a `Codable` fact with a stable type name and a schema version.
///
/// The type name is what the store records; keep it stable when the Swift type is renamed. Raise the schema
/// version when the shape of the data changes, and register an ``Upcaster`` from the old version.
///
/// ```swift
/// struct MoneyDeposited: DomainEvent {
///     static let eventType = "money_deposited"
///     var amount: Int
/// }
/// ```
public protocol DomainEvent: Codable, Sendable {
    /// The type name stored with the event, such as `money_deposited`.
    static var eventType: String { get }
    /// The version of the data's shape; 1 unless the event has changed since it was first stored.
    static var schemaVersion: Int { get }
}

extension DomainEvent {
    public static var schemaVersion: Int { 1 }
}
