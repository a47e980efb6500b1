public import Evident
import EvidentSpec
public import Foundation

/// A scheduled implication as its system stream `$schedule:<uuid>` records it: the `scheduled` event, written
/// with the event that caused it, says what to emit and when; a `fired` or `cancelled` event closes it. A schedule
/// whose stream holds only its first event is pending.
public struct Schedule: Sendable, Hashable {
    /// The category of schedule streams.
    public static let category = "$schedule"
    /// The event types of a schedule stream.
    static let scheduledType = "scheduled"
    static let firedType = "fired"
    static let cancelledType = "cancelled"

    /// The schedule's id: a UUID, the id of its stream.
    public var id: String
    /// When the event is due.
    public var dueAt: Date
    /// The aggregate the event goes to (`type` is its aggregate type).
    public var target: EntityReference
    public var eventType: String
    /// The event's data, evaluated when the schedule was written.
    public var data: JSON
    /// The implied event's metadata: the causing event's, with `causation_id` the causing event's id and
    /// `correlation_id` kept (or the causing event's id when it had none).
    public var metadata: EventMetadata
    /// The schedule's identity in the spec that declared it (see ``ScheduledImplication/schedule``).
    public var specSchedule: String
    /// The event that scheduled it.
    public var scheduledBy: Cause

    /// The event that scheduled a schedule: its aggregate's stream, its type and its id.
    public struct Cause: Sendable, Hashable {
        public var stream: StreamName
        public var eventType: String
        public var eventID: String

        var json: JSON {
            ["stream": .string(stream.description), "event_type": .string(eventType), "event_id": .string(eventID)]
        }
    }

    /// The schedule's stream, `$schedule:<id>`.
    public var stream: StreamName { StreamName(trustedName: "\(Self.category):\(id)") }

    /// The idempotency key of the write that fires it.
    var idempotencyKey: String { "\(Self.category):\(id)" }

    /// A new schedule for `planned`, caused by `cause` (written as the event `causeID`) at `now`.
    init(_ planned: ScheduledImplication, cause: SpecEvent, causeID: UUID, now: Date) {
        let eventID = causeID.uuidString.lowercased()
        id = UUID.timeOrdered().uuidString.lowercased()
        dueAt = Date(unixMilliseconds: now.unixMilliseconds + Int64((planned.delay * 1_000).rounded(.up)))
        target = EntityReference(type: planned.aggregateType, id: planned.aggregateID)
        eventType = planned.eventType
        data = planned.data
        metadata = cause.metadata
        metadata.causationId = eventID
        metadata.correlationId = cause.metadata.correlationId ?? eventID
        specSchedule = planned.schedule
        scheduledBy = Cause(
            stream: StreamName(trustedName: "\(cause.aggregateType):\(cause.aggregateID)"), eventType: cause.type,
            eventID: eventID)
    }

    /// The schedule its `scheduled` event records; nil for another event.
    init?(_ event: RecordedEvent) {
        let data = event.data
        guard event.type == Self.scheduledType, let due = data["due_at_ms"]?.number,
            let targetType = data["target"]?["type"]?.string, let targetID = data["target"]?["id"]?.string,
            let eventType = data["event_type"]?.string, let specSchedule = data["schedule"]?.string,
            let metadata = data["metadata"].flatMap({ try? EventMetadata(json: $0) }),
            let causeStream = data["scheduled_by"]?["stream"]?.string,
            let causeType = data["scheduled_by"]?["event_type"]?.string,
            let causeID = data["scheduled_by"]?["event_id"]?.string
        else { return nil }
        id = event.stream.id
        dueAt = Date(unixMilliseconds: Int64(due))
        target = EntityReference(type: targetType, id: targetID)
        self.eventType = eventType
        self.data = data["data"] ?? [:]
        self.metadata = metadata
        self.specSchedule = specSchedule
        scheduledBy = Cause(stream: StreamName(trustedName: causeStream), eventType: causeType, eventID: causeID)
    }

    /// The `scheduled` event, whose `metadata.target` is the target aggregate, so schedules are listed by it.
    var scheduledEvent: NewEvent {
        NewEvent(
            type: Self.scheduledType,
            data: [
                "due_at_ms": .int(Int(dueAt.unixMilliseconds)),
                "target": ["type": .string(target.type), "id": .string(target.id)],
                "event_type": .string(eventType), "data": data, "metadata": metadata.json,
                "schedule": .string(specSchedule),
                "scheduled_by": scheduledBy.json,
            ],
            metadata: EventMetadata(actor: metadata.actor, target: target, causationId: scheduledBy.eventID))
    }

    /// What `GET /_schedules` lists of a pending schedule: `id`, `due_at` (ISO 8601, UTC, milliseconds),
    /// `target` (`TYPE:ID`), `event_type`, `data`, and `scheduled_by` (`stream`, `event_type`, `event_id`).
    public var json: JSON {
        [
            "id": .string(id), "due_at": .string(dueAt.iso8601Milliseconds),
            "target": .string("\(target.type):\(target.id)"), "event_type": .string(eventType), "data": data,
            "scheduled_by": scheduledBy.json,
        ]
    }
}

/// What firing a due schedule did.
public enum ScheduleOutcome: Sendable, Hashable {
    /// The implied event was written.
    case fired
    /// The schedule was closed without writing its event, for `reason`.
    case cancelled(ScheduleCancellation)
    /// Another node fired or cancelled it first; nothing was written here.
    case closedElsewhere
    /// The target aggregate kept changing while it was being fired; it stays pending for the next round.
    case deferred
}

/// Why a schedule was cancelled.
public struct ScheduleCancellation: Sendable, Hashable {
    public enum Reason: String, Sendable, Hashable {
        /// Its `cancel_if` held for the target's state when its time came.
        case cancelIf = "cancel_if"
        /// The spec in force no longer declares it.
        case specChanged = "spec_changed"
        /// The spec refused the implied event; ``error`` says why.
        case refused
    }

    public var reason: Reason
    /// The refusal, for ``Reason/refused``.
    public var error: String?

    public init(reason: Reason, error: String? = nil) {
        self.reason = reason
        self.error = error
    }

    /// The data of the `cancelled` event.
    var json: JSON {
        var object: [String: JSON] = ["reason": .string(reason.rawValue)]
        object["error"] = error.map { .string($0) }
        return .object(object)
    }
}
