public import Evident

/// An event implied by another through the spec's `implications`, to be written in the same transaction.
public struct ImpliedEvent: Sendable, Hashable {
    /// The aggregate type the event goes to.
    public var aggregateType: String
    /// The aggregate id, validated and normalized.
    public var aggregateID: String
    /// The event type, declared by `aggregateType`.
    public var eventType: String
    /// The event's data, not yet checked against its schema.
    public var data: JSON
    /// The path into the spec of the implication that produced it.
    public var specPath: String

    public init(aggregateType: String, aggregateID: String, eventType: String, data: JSON, specPath: String) {
        self.aggregateType = aggregateType
        self.aggregateID = aggregateID
        self.eventType = eventType
        self.data = data
        self.specPath = specPath
    }
}
