public import Evident

/// An event a `schedule` implication plans for later: what to emit, evaluated when the causing event is written,
/// and how long after it.
public struct ScheduledImplication: Sendable, Hashable {
    /// The schedule's identity in the spec: its path and a hash of its JSON. ``CompiledSpec/declaresSchedule(_:)``
    /// tells whether a spec still declares it.
    public var schedule: String
    /// Seconds after the causing event.
    public var delay: Double
    /// The aggregate type the event goes to.
    public var aggregateType: String
    /// The aggregate id, validated and normalized.
    public var aggregateID: String
    /// The event type, declared by `aggregateType`.
    public var eventType: String
    /// The event's data, checked against its schema only when the event is written.
    public var data: JSON

    public init(
        schedule: String, delay: Double, aggregateType: String, aggregateID: String, eventType: String, data: JSON
    ) {
        self.schedule = schedule
        self.delay = delay
        self.aggregateType = aggregateType
        self.aggregateID = aggregateID
        self.eventType = eventType
        self.data = data
    }
}
