/// What handling a command did.
public struct CommandResult<State: Sendable, Event: Sendable>: Sendable {
    /// The events the command produced and the repository appended; empty when the command changed nothing.
    public var events: [Event]
    /// The aggregate's state after the events.
    public var state: State
    /// The stream's length after the append: the aggregate's new version.
    public var version: Int
    /// The log position of the last event appended (0 when none was): wait for it with a projection's
    /// `waitUntil(position:timeout:)` to read your own writes.
    public var position: Int64
    /// How many times the command was decided (more than 1 after version conflicts).
    public var attempts: Int

    public init(events: [Event], state: State, version: Int, position: Int64, attempts: Int) {
        self.events = events
        self.state = state
        self.version = version
        self.position = position
        self.attempts = attempts
    }
}
