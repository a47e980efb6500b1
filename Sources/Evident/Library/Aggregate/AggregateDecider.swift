/// The ``Decider`` of an entity-style ``Aggregate``: its commands are closures that call the aggregate's
/// methods, so a ``Repository`` runs both styles the same way.
///
/// ```swift
/// let carts = Repository(store: store, decider: AggregateDecider<Cart>(), category: "cart")
/// try await carts.handle({ try $0.add("apple") }, for: "42")
/// // or, equivalently:
/// try await carts.update("42") { try $0.add("apple") }
/// ```
public struct AggregateDecider<A: Aggregate>: Decider {
    /// A command: a call of the aggregate's methods.
    public typealias Command = @Sendable (inout A) throws -> Void

    public init() {}

    public var initialState: A { A() }

    public func decide(_ command: Command, _ state: A) throws -> [A.Event] {
        var aggregate = state
        aggregate.pendingEvents = []
        try command(&aggregate)
        return aggregate.pendingEvents
    }

    public func evolve(_ state: A, _ event: A.Event) -> A {
        var aggregate = state
        aggregate.apply(event)
        return aggregate
    }
}
