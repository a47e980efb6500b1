import Foundation

/// The checks every store makes before it writes an append, written once.
public enum AppendValidation {
    /// Checks the shape of a multi-stream append: at least one stream, each named once, event types given,
    /// event ids unique.
    public static func checkShape(_ appends: [StreamAppend]) throws(EventStoreError) {
        guard !appends.isEmpty else { throw .invalidArgument("An append needs at least one stream.") }
        var streams = Set<StreamName>()
        var ids = Set<UUID>()
        for append in appends {
            guard streams.insert(append.stream).inserted else {
                throw .invalidArgument("Stream \(append.stream) appears twice in one append; merge its events.")
            }
            if case .exact(let length) = append.expectedVersion, length < 0 {
                throw .invalidArgument("Expected version for \(append.stream) must not be negative (got \(length)).")
            }
            for event in append.events {
                guard !event.type.isEmpty, event.type.utf8.count <= 200 else {
                    throw .invalidArgument("Event types must be 1 to 200 characters.")
                }
                guard event.personalData == nil else {
                    throw .invalidArgument(
                        "Event \(event.id) has personal data, which this store would keep in clear; append it "
                            + "through a PrivacyEventStore, which encrypts it.")
                }
                guard ids.insert(event.id).inserted else {
                    throw EventStoreError(
                        code: .duplicateEventId, message: "Event id \(event.id) appears twice in one append.")
                }
            }
        }
    }

    /// Checks one stream's expectation and length limit against its current length.
    public static func check(_ append: StreamAppend, currentLength: Int, maximumStreamLength: Int?)
        throws(EventStoreError)
    {
        guard append.expectedVersion.isSatisfied(byLength: currentLength) else {
            throw .wrongExpectedVersion(stream: append.stream, expected: append.expectedVersion, actual: currentLength)
        }
        // The limit guards aggregates' streams; system streams are the store's and server's own (signed
        // checkpoints every few seconds, key uses, spec versions) and grow by design.
        if let limit = maximumStreamLength, !append.stream.isSystem, currentLength + append.events.count > limit {
            throw .streamTooLong(
                stream: append.stream, length: currentLength, adding: append.events.count, limit: limit)
        }
    }

    /// A fingerprint of what an append asks for (streams, event types, data and metadata; not the generated
    /// event ids, and not the expectations, which a retry made after reading the stream again may change),
    /// to tell a retry from a different append under the same idempotency key.
    public static func fingerprint(_ appends: [StreamAppend]) -> String {
        let canonical: JSON = .array(
            appends.map { append in
                [
                    "stream": .string(append.stream.description),
                    "events": .array(
                        append.events.map { ["type": .string($0.type), "data": $0.data, "metadata": $0.metadata.json] }),
                ]
            })
        return Idempotency.fingerprint(of: canonical)
    }
}
