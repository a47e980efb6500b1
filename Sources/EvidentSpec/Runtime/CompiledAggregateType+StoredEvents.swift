public import Evident

extension CompiledAggregateType {
    /// Whether this aggregate type declares the event type `eventType`.
    public func declares(_ eventType: String) -> Bool { events[eventType] != nil }

    /// Whether `data` satisfies the schema of `eventType` as the data of a new event must; nil when this aggregate
    /// type declares no such event. Data whose patterns cannot be checked within the pattern budget does not
    /// satisfy it. For checking stored events against a new spec: folding never checks schemas.
    public func schemaAccepts(_ data: JSON, of eventType: String) -> Bool? {
        events[eventType].map { $0.schema.isValid(data) }
    }
}
