public import Evident

/// An implied event ready to be written with the event that implied it, checked against its aggregate.
public struct PlannedEvent: Sendable, Hashable {
    /// The event, with its aggregate, its version (the aggregate's length plus one) and the cause's metadata.
    public var event: SpecEvent
    /// The aggregate's state after it.
    public var stateAfter: JSON
    /// 1 for an event implied directly, 2 for one implied by that, and so on.
    public var depth: Int

    public init(event: SpecEvent, stateAfter: JSON, depth: Int) {
        self.event = event
        self.stateAfter = stateAfter
        self.depth = depth
    }
}
