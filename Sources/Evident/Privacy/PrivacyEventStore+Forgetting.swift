public import Foundation

/// What forgetting a data subject did, as appended to ``PrivacyEventStore/receiptsStream`` (event type
/// `subject_was_forgotten`): proof that the subject's key was destroyed, naming the subject only by its hash.
public struct ForgettingReceipt: Sendable, Hashable {
    /// The SHA-256 of `evident-subject:` and the subject's id.
    public var subjectHash: String
    public var forgottenAt: Date
    /// Why, as the operator gave it.
    public var reason: String?
    /// How many events held the subject's personal values.
    public var events: Int
    /// The streams those events are in.
    public var streams: [StreamName]
    /// The log's head when the key was destroyed.
    public var headPosition: Int64
    /// The receipt's own event.
    public var event: RecordedEvent?

    /// The receipt's event type.
    public static let eventType = "subject_was_forgotten"

    /// The receipt as event data.
    public var json: JSON {
        var object: [String: JSON] = [
            "subject_hash": .string(subjectHash),
            "forgotten_at": .string(forgottenAt.iso8601Milliseconds),
            "events": .int(events),
            "streams": .array(streams.map { .string($0.description) }),
            "head_position": .int(Int(headPosition)),
        ]
        if let reason { object["reason"] = .string(reason) }
        return .object(object)
    }

    /// The receipt `event` records when it is one (a `subject_was_forgotten` event of
    /// ``PrivacyEventStore/receiptsStream``); nil for any other event.
    public static func recorded(by event: RecordedEvent) throws -> ForgettingReceipt? {
        try isReceipt(event) ? ForgettingReceipt(event: event) : nil
    }

    /// Whether `event` is a receipt: a `subject_was_forgotten` event of ``PrivacyEventStore/receiptsStream``.
    public static func isReceipt(_ event: RecordedEvent) -> Bool {
        event.type == eventType && event.stream == PrivacyEventStore.receiptsStream
    }

    /// The receipt that `event` records.
    public init(event: RecordedEvent) throws {
        let damaged = EventStoreError(code: .storageFailure, message: "Receipt event \(event.id) is damaged.")
        let data = event.data
        guard event.type == Self.eventType, let subjectHash = data["subject_hash"]?.string,
            let forgottenAt = data["forgotten_at"]?.string.flatMap(Date.init(iso8601Milliseconds:)),
            let events = data["events"]?.number, let streams = data["streams"]?.array,
            let head = data["head_position"]?.number
        else { throw damaged }
        self.init(
            subjectHash: subjectHash, forgottenAt: forgottenAt, reason: data["reason"]?.string, events: Int(events),
            streams: try streams.map { try StreamName($0.string ?? "") }, headPosition: Int64(head))
        self.event = event
    }

    init(
        subjectHash: String, forgottenAt: Date, reason: String?, events: Int, streams: [StreamName],
        headPosition: Int64
    ) {
        self.subjectHash = subjectHash
        self.forgottenAt = forgottenAt
        self.reason = reason
        self.events = events
        self.streams = streams
        self.headPosition = headPosition
    }

    /// Whether the receipt is about `subject`: a person who knows their id can check it.
    public func isAbout(subject: String) -> Bool {
        subjectHash == PersonalDataCipher.subjectHash(subject)
    }
}

/// What a store knows of a data subject.
public enum SubjectStatus: Sendable, Hashable {
    /// No personal value of the subject was ever stored.
    case unknown
    /// The subject's values are stored, and readable.
    case live(events: Int, streams: [StreamName])
    /// The subject was forgotten; the receipt is nil only while an interrupted forgetting awaits its retry.
    case forgotten(ForgettingReceipt?)
}

extension PrivacyEventStore {
    /// The longest reason a forgetting may give, in characters.
    public static var maximumReasonLength: Int { 1_000 }

    /// Forgets a data subject: destroys their key, so every personal value of theirs reads as its forgotten
    /// value from now on, everywhere; deletes the snapshots of the streams that held them; and appends a
    /// receipt to ``receiptsStream``. Returns nil, and changes nothing, when the subject is unknown or was
    /// forgotten already. A forgetting interrupted before its receipt is finished by the next call.
    public func forget(subject: String, reason: String? = nil) async throws -> ForgettingReceipt? {
        guard !subject.isEmpty else { throw EventStoreError.invalidArgument("A data subject's id cannot be empty.") }
        if let reason, reason.count > Self.maximumReasonLength {
            throw EventStoreError.invalidArgument(
                "A reason is at most \(Self.maximumReasonLength) characters (got \(reason.count)).")
        }
        let subjectHash = PersonalDataCipher.subjectHash(subject)
        guard let key = try await base.subjectKey(subjectHash: subjectHash), key.receiptPosition == nil else {
            return nil
        }
        let forgottenAt = key.forgottenAt ?? clock().truncatedToMilliseconds
        // Also after an interrupted forgetting, which destroyed the key but may not have erased every copy.
        let destroyed = try await base.destroySubjectKey(subjectHash: subjectHash, at: forgottenAt)
        // Two forgettings at once: one destroys the key, the other finds nothing left to do.
        if key.material != nil && !destroyed { return nil }
        // Counted once the key is destroyed: from then on, an append that read the key before is refused in its
        // own transaction, so the count is final.
        let held = try await base.eventsEncrypted(withKey: key.id)
        for stream in held.streams { try await deleteSnapshot(of: stream) }
        let receipt = ForgettingReceipt(
            subjectHash: subjectHash, forgottenAt: forgottenAt, reason: reason, events: held.count,
            streams: held.streams, headPosition: try await base.headPosition())
        let result = try await base.append(
            [NewEvent(type: ForgettingReceipt.eventType, data: receipt.json)], to: Self.receiptsStream)
        try await base.recordReceipt(subjectHash: subjectHash, position: result.firstPosition)
        // The receipt as stored, so that it equals what ``status(ofSubject:)`` reads back.
        guard let event = try await base.readLog(after: result.firstPosition - 1, filter: .all, limit: 1).first else {
            return receipt
        }
        return try ForgettingReceipt(event: event)
    }

    /// Whether `subject` has personal values stored, how many and where, or the receipt of their forgetting.
    public func status(ofSubject subject: String) async throws -> SubjectStatus {
        guard let key = try await base.subjectKey(subjectHash: PersonalDataCipher.subjectHash(subject)) else {
            return .unknown
        }
        guard key.material == nil else {
            let held = try await base.eventsEncrypted(withKey: key.id)
            return .live(events: held.count, streams: held.streams)
        }
        guard let position = key.receiptPosition,
            let event = try await base.readLog(after: position - 1, filter: .all, limit: 1).first
        else { return .forgotten(nil) }
        return .forgotten(try ForgettingReceipt(event: event))
    }
}
