public import Evident
public import Foundation

/// An event as the handlers see it: its type and data, its metadata, the aggregate it belongs to, its
/// version in that aggregate's stream and when it was (or is being) recorded.
public struct SpecEvent: Sendable, Hashable {
    /// The event type, such as `was_placed`.
    public var type: String
    /// The event's data (`$.data`).
    public var data: JSON
    /// The actor, target and free metadata (`$.metadata…`).
    public var metadata: EventMetadata
    /// The aggregate type, such as `order`.
    public var aggregateType: String
    /// The aggregate id; `$.key` is `aggregateType:aggregateID`.
    public var aggregateID: String
    /// The event's 1-based version in its stream (`$.version`).
    public var version: Int
    /// When the event was recorded; `$.metadata.timestamp` is this in whole Unix seconds.
    public var timestamp: Date

    public init(
        type: String, data: JSON, metadata: EventMetadata = EventMetadata(), aggregateType: String,
        aggregateID: String, version: Int, timestamp: Date = Date()
    ) {
        self.type = type
        self.data = data
        self.metadata = metadata
        self.aggregateType = aggregateType
        self.aggregateID = aggregateID
        self.version = version
        self.timestamp = timestamp
    }

    /// A stored event, as its handlers see it.
    public init(_ event: RecordedEvent) {
        self.init(
            type: event.type, data: event.data, metadata: event.metadata, aggregateType: event.stream.category,
            aggregateID: event.stream.id, version: event.version, timestamp: event.recordedAt)
    }

    /// An event about to be appended to `stream` as its `version`th event.
    public init(_ event: NewEvent, stream: StreamName, version: Int, timestamp: Date = Date()) {
        self.init(
            type: event.type, data: event.data, metadata: event.metadata, aggregateType: stream.category,
            aggregateID: stream.id, version: version, timestamp: timestamp)
    }
}
