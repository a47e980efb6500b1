public import Foundation

/// An event a projection or reactor failed on after every retry, set aside (dead-lettered) so it could move
/// on. List parked events with ``ProjectionRunner/parkedEvents()`` and replay them after a fix with
/// ``ProjectionRunner/replayParked(positions:)``.
public struct ParkedEvent: Sendable, Hashable {
    /// The projection or reactor that failed.
    public var consumer: String
    /// The event's log position.
    public var position: Int64
    public var eventId: UUID
    public var stream: StreamName
    public var eventType: String
    /// The last error's description.
    public var error: String
    /// How many times the event was tried.
    public var attempts: Int
    /// When the event was (last) parked.
    public var parkedAt: Date

    public init(
        consumer: String, position: Int64, eventId: UUID, stream: StreamName, eventType: String, error: String,
        attempts: Int, parkedAt: Date
    ) {
        self.consumer = consumer
        self.position = position
        self.eventId = eventId
        self.stream = stream
        self.eventType = eventType
        self.error = error
        self.attempts = attempts
        self.parkedAt = parkedAt
    }

    /// The parked record of `event`, failed with `error` after `attempts` tries.
    public init(consumer: String, event: RecordedEvent, error: any Error, attempts: Int, parkedAt: Date = Date()) {
        self.init(
            consumer: consumer, position: event.position, eventId: event.id, stream: event.stream,
            eventType: event.type, error: String(describing: error), attempts: attempts, parkedAt: parkedAt)
    }
}
