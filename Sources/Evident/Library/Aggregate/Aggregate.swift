/// An entity-style aggregate, for those who prefer methods that check and then record events.
///
/// Command methods are `mutating`: they validate against the current properties and call ``record(_:)``,
/// which applies the event and keeps it in ``pendingEvents`` until a ``Repository`` saves it. Loading calls
/// ``apply(_:)`` for every stored event. It runs on the same persistence as a ``Decider`` through
/// ``AggregateDecider``.
///
/// ```swift
/// struct Cart: Aggregate {
///     var items: [String: Int] = [:]
///     var pendingEvents: [CartEvent] = []
///
///     mutating func add(_ sku: String) throws {
///         guard items.count < 50 else { throw CartError.full }
///         record(.itemAdded(ItemAdded(sku: sku)))
///     }
///     mutating func apply(_ event: CartEvent) { … }
/// }
/// ```
public protocol Aggregate: Sendable {
    /// What happened to the aggregate; usually an ``EventFamily``.
    associatedtype Event: Sendable

    /// The aggregate before its first event.
    init()

    /// Changes the properties for one event; never fails (the event already happened).
    mutating func apply(_ event: Event)

    /// Events recorded by command methods and not yet saved; declare it as a stored property that starts empty.
    var pendingEvents: [Event] { get set }
}

extension Aggregate {
    /// Applies `event` and keeps it to be saved.
    public mutating func record(_ event: Event) {
        apply(event)
        pendingEvents.append(event)
    }
}
