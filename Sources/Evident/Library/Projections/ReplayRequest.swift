import Crypto
import Foundation

/// A request, recorded in the log, that the runner of a catch-up consumer replay parked events: how an
/// administrator (`POST /_consumers/{name}/replay`) asks a projection or reactor that runs in another process
/// to try its parked events again. The runner honours it (``ProjectionRunner/replayRequested()``) and records a
/// ``ReplayCompletion`` right after it in the same stream.
///
/// Both events live in the system stream ``stream(of:)`` (`$replay:<consumer>`); the latest request is the one
/// in force, and a request followed by a completion is done.
public struct ReplayRequest: Sendable, Hashable {
    /// The event type of a request.
    public static let eventType = "replay_requested"

    /// The projection or reactor asked to replay.
    public var consumer: String
    /// The log positions of the parked events to replay; nil for all of them.
    public var positions: [Int64]?
    /// Who asked: the id of the API key, when there was one.
    public var requestedBy: String?

    /// A request that `consumer` replay the parked events at `positions` (all when nil).
    public init(consumer: String, positions: [Int64]? = nil, requestedBy: String? = nil) {
        self.consumer = consumer
        self.positions = positions
        self.requestedBy = requestedBy
    }

    /// The system stream of `consumer`'s requests and completions: `$replay:<consumer>`. A name that cannot be a
    /// stream id as it is (whitespace, control characters, more than 200 bytes) or that starts with `~` is
    /// replaced by `~` and the hex SHA-256 of its UTF-8, so that every consumer name has its own stream.
    public static func stream(of consumer: String) -> StreamName {
        if !consumer.hasPrefix("~"), let stream = try? StreamName(category: "$replay", id: consumer) {
            return stream
        }
        let digest = LogChain.hex(Array(SHA256.hash(data: Data(consumer.utf8))))
        return StreamName(trustedName: "$replay:~\(digest)")
    }

    /// The event that records this request.
    public var event: NewEvent {
        var data: [String: JSON] = [
            "consumer": .string(consumer),
            "positions": positions.map { .array($0.map { .int(Int($0)) }) } ?? .null,
        ]
        if let requestedBy { data["requested_by"] = .string(requestedBy) }
        return NewEvent(type: Self.eventType, data: .object(data))
    }

    /// Reads a request from its event; nil when `event` is not one.
    public init?(_ event: RecordedEvent) {
        guard event.type == Self.eventType, let consumer = event.data["consumer"]?.string else { return nil }
        self.consumer = consumer
        positions = event.data["positions"]?.array.map { $0.compactMap { $0.number.map { Int64($0) } } }
        requestedBy = event.data["requested_by"]?.string
    }

    /// Records this request in ``stream(of:)``; returns where it was written.
    @discardableResult
    public func append(to store: any EventStore) async throws -> AppendResult {
        try await store.append([event], to: Self.stream(of: consumer))
    }
}

/// What a runner did for a ``ReplayRequest``: recorded right after the request (the append expects the
/// request's version, so when two runners of one consumer race, only one records it).
public struct ReplayCompletion: Sendable, Hashable {
    /// The event type of a completion.
    public static let eventType = "replay_completed"

    /// The version of the request in its stream.
    public var request: Int
    /// The positions of the parked events replayed successfully (no longer parked).
    public var replayed: [Int64]
    /// The positions of the requested events that failed again and stay parked.
    public var stillParked: [Int64]

    /// What was done for the request at version `request`.
    public init(request: Int, replayed: [Int64], stillParked: [Int64]) {
        self.request = request
        self.replayed = replayed
        self.stillParked = stillParked
    }

    /// The event that records this completion.
    public var event: NewEvent {
        NewEvent(
            type: Self.eventType,
            data: [
                "request": .int(request), "replayed": .array(replayed.map { .int(Int($0)) }),
                "still_parked": .array(stillParked.map { .int(Int($0)) }),
            ])
    }

    /// Reads a completion from its event; nil when `event` is not one.
    public init?(_ event: RecordedEvent) {
        guard event.type == Self.eventType, let request = event.data["request"]?.number else { return nil }
        self.request = Int(request)
        replayed = (event.data["replayed"]?.array ?? []).compactMap { $0.number.map { Int64($0) } }
        stillParked = (event.data["still_parked"]?.array ?? []).compactMap { $0.number.map { Int64($0) } }
    }
}

/// A consumer's latest ``ReplayRequest`` and, once a runner honoured it, its ``ReplayCompletion``.
public struct ReplayState: Sendable, Hashable {
    /// The latest request.
    public var request: ReplayRequest
    /// The request's event (its version, log position and time).
    public var requestEvent: RecordedEvent
    /// Nil while the request is pending.
    public var completion: ReplayCompletion?

    /// The latest request of `consumer` in `store` and its completion; nil when none was ever made. One read of
    /// the last two events of ``ReplayRequest/stream(of:)``.
    public static func latest(of consumer: String, in store: any EventStore) async throws -> ReplayState? {
        let last = try await store.readStream(
            ReplayRequest.stream(of: consumer), from: .max, direction: .backward, limit: 2)
        for (index, event) in last.enumerated() {
            guard let request = ReplayRequest(event) else { continue }
            let completion = index == 0 ? nil : ReplayCompletion(last[0])
            return ReplayState(
                request: request, requestEvent: event,
                completion: completion.flatMap { $0.request == event.version ? $0 : nil })
        }
        return nil
    }
}
