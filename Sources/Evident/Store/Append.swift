public import Foundation

/// Events to append to one stream, with what the writer expects of the stream's length.
public struct StreamAppend: Sendable, Hashable {
    public var stream: StreamName
    public var events: [NewEvent]
    public var expectedVersion: ExpectedVersion

    public init(stream: StreamName, events: [NewEvent], expectedVersion: ExpectedVersion = .any) {
        self.stream = stream
        self.events = events
        self.expectedVersion = expectedVersion
    }
}

/// The outcome of appending to one stream.
public struct AppendResult: Sendable, Hashable {
    public var stream: StreamName
    /// The stream's length after the append: the version of its last event.
    public var streamLength: Int
    /// How many events this append wrote.
    public var count: Int
    /// The log position of the first event written (the others follow it contiguously); 0 when none was written.
    public var firstPosition: Int64
    /// True when this is the stored result of an earlier append with the same idempotency key; nothing was written.
    public var isReplay: Bool

    public init(stream: StreamName, streamLength: Int, count: Int, firstPosition: Int64, isReplay: Bool = false) {
        self.stream = stream
        self.streamLength = streamLength
        self.count = count
        self.firstPosition = firstPosition
        self.isReplay = isReplay
    }

    /// The versions of the events written.
    public var versions: ClosedRange<Int>? {
        count == 0 ? nil : (streamLength - count + 1)...streamLength
    }

    /// The log positions of the events written.
    public var positions: ClosedRange<Int64>? {
        count == 0 ? nil : firstPosition...(firstPosition + Int64(count) - 1)
    }

    /// The log position of the last event written; 0 when none was written.
    public var lastPosition: Int64 { positions?.upperBound ?? 0 }
}

/// Which way to read a stream.
public enum ReadDirection: Sendable, Hashable {
    case forward
    case backward
}

/// Where a time-travel read stops.
public enum StreamCutoff: Sendable, Hashable {
    /// Up to and including this version.
    case version(Int)
    /// The events recorded at or before this instant.
    case recordedAt(Date)
}

/// What a log read keeps.
public struct LogFilter: Sendable, Hashable {
    /// Keep only events of streams of these categories (aggregate types); all when nil.
    public var streamCategories: Set<String>?
    /// Keep only events of these types; all when nil.
    public var eventTypes: Set<String>?
    /// Leave out system streams (categories starting with `$`).
    public var excludesSystemStreams: Bool
    /// Keep only events whose `metadata.target` is this reference; all when nil. Stores answer it from an index.
    public var target: EntityReference?

    public init(
        streamCategories: Set<String>? = nil, eventTypes: Set<String>? = nil, excludesSystemStreams: Bool = false,
        target: EntityReference? = nil
    ) {
        self.streamCategories = streamCategories
        self.eventTypes = eventTypes
        self.excludesSystemStreams = excludesSystemStreams
        self.target = target
    }

    /// Keep everything.
    public static let all = LogFilter()

    /// Whether `event` passes the filter.
    public func matches(_ event: RecordedEvent) -> Bool {
        (streamCategories?.contains(event.stream.category) ?? true) && (eventTypes?.contains(event.type) ?? true)
            && !(excludesSystemStreams && event.stream.isSystem) && (target.map { event.metadata.target == $0 } ?? true)
    }

    /// A filter that also passes the receipts of forgettings (``ForgettingReceipt``), for consumers that are told
    /// of them; it may pass more besides, so route its events with ``matches(_:)`` and
    /// ``ForgettingReceipt/recorded(by:)``.
    public var addingForgettingReceipts: LogFilter {
        LogFilter(
            streamCategories: streamCategories.map { $0.union([PrivacyEventStore.receiptsStream.category]) },
            eventTypes: eventTypes.map { $0.union([ForgettingReceipt.eventType]) })
    }
}

/// What is known about a stream without reading its events.
public struct StreamInfo: Sendable, Hashable {
    public var stream: StreamName
    /// How many events the stream has: the version of its last event.
    public var length: Int
    /// When the first event was recorded.
    public var createdAt: Date
    /// When the last event was recorded.
    public var updatedAt: Date

    public init(stream: StreamName, length: Int, createdAt: Date, updatedAt: Date) {
        self.stream = stream
        self.length = length
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }
}
