/// The pure heart of an aggregate: what state it starts in, which events a command produces, and how an event
/// changes the state. A decider is a value (usually a small struct); it does no I/O, so it is tested without
/// a store (see `EvidentTesting`'s `DeciderSpecification`) and run against one by a ``Repository``.
///
/// ```swift
/// struct BankAccount: Decider {
///     var initialState: Account { Account() }
///     func decide(_ command: AccountCommand, _ state: Account) throws -> [AccountEvent] { … }
///     func evolve(_ state: Account, _ event: AccountEvent) -> Account { … }
/// }
/// ```
public protocol Decider: Sendable {
    /// What the decider knows about one aggregate, folded from its events.
    associatedtype State: Sendable
    /// What a caller asks of the aggregate.
    associatedtype Command: Sendable
    /// What happened; usually an ``EventFamily``.
    associatedtype Event: Sendable

    /// The state of an aggregate with no events.
    var initialState: State { get }

    /// The events a command produces in `state`; throws when the command is refused. An empty array means
    /// the command changes nothing.
    func decide(_ command: Command, _ state: State) throws -> [Event]

    /// The state after `event`.
    func evolve(_ state: State, _ event: Event) -> State
}

extension Decider {
    /// The state after folding `events` from ``initialState``.
    public func fold(_ events: some Sequence<Event>) -> State {
        events.reduce(initialState, evolve)
    }
}
