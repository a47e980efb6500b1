public import Foundation

/// An event exactly as its store keeps it: the fields its hash covers, the texts as stored, and the stored hash.
public struct StoredEvent: Sendable, Hashable {
    public var position: Int64
    public var id: UUID
    public var stream: String
    public var version: Int
    public var type: String
    /// Unix milliseconds.
    public var recordedAt: Int64
    public var data: [UInt8]
    public var metadata: [UInt8]
    /// The stored hash; nil for an event written before the chain, which a store chains when it opens.
    public var hash: [UInt8]?

    public init(
        position: Int64, id: UUID, stream: String, version: Int, type: String, recordedAt: Int64, data: [UInt8],
        metadata: [UInt8], hash: [UInt8]?
    ) {
        self.position = position
        self.id = id
        self.stream = stream
        self.version = version
        self.type = type
        self.recordedAt = recordedAt
        self.data = data
        self.metadata = metadata
        self.hash = hash
    }

    /// The hash this event should have after `previous`.
    public func chainHash(after previous: [UInt8]) -> [UInt8] {
        LogChain.hash(
            previous: previous, position: position, id: id, stream: stream, version: version, type: type,
            recordedAt: recordedAt, data: data, metadata: metadata)
    }
}

/// A store whose events can be read exactly as stored, to check its hash chain.
public protocol VerifiableStore: EventStore {
    /// Up to `limit` stored events with a position greater than `position`, in position order, read as stored
    /// (no decoding, no decryption).
    func storedEvents(after position: Int64, limit: Int) async throws -> [StoredEvent]
}

/// Walks a store's hash chain and reports the first event that does not hold.
public enum LogVerifier {
    /// What a walk found good.
    public struct Verified: Sendable, Hashable {
        /// How many events were checked.
        public var events: Int
        /// The last event's position and hash.
        public var head: Int64
        public var hash: [UInt8]
    }

    /// The first event that does not hold, and why.
    public struct Tampering: Error, Sendable, Hashable, CustomStringConvertible {
        public var position: Int64
        public var reason: String
        public var description: String { "tampered at position \(position): \(reason)" }

        public init(position: Int64, reason: String) {
            self.position = position
            self.reason = reason
        }
    }

    /// A head whose hash is known from elsewhere (a signed checkpoint, a head an auditor saved): the chain must
    /// reach `position` and have `hash` there.
    public struct KnownHead: Sendable, Hashable {
        public var position: Int64
        public var hash: [UInt8]

        public init(position: Int64, hash: [UInt8]) {
            self.position = position
            self.hash = hash
        }
    }

    /// Checks every event after `position` (from the first by default; from later, trusting the stored hash of
    /// the event at `position`), and that the chain passes through each of `known`. `progress` gets the position
    /// reached and the head read at the start.
    public static func verify(
        _ store: any VerifiableStore, after position: Int64 = 0, known: [KnownHead] = [], pageSize: Int = 10_000,
        progress: (_ position: Int64, _ head: Int64) -> Void = { _, _ in }
    ) async throws -> Result<Verified, Tampering> {
        let head = try await store.headPosition()
        var previous = LogChain.genesis
        var expected = position + 1
        if position > 0 {
            guard let start = try await store.storedEvents(after: position - 1, limit: 1).first,
                start.position == position, let hash = start.hash
            else {
                return .failure(Tampering(position: position, reason: "there is no chained event to start from"))
            }
            previous = hash
        }
        var pending = known.filter { $0.position > position }.sorted { $0.position < $1.position }[...]
        var checked = 0
        while true {
            let page = try await store.storedEvents(after: expected - 1, limit: pageSize)
            for event in page {
                guard event.position == expected else {
                    return .failure(
                        Tampering(
                            position: expected,
                            reason: "the event is missing (the next stored event is at \(event.position))"))
                }
                let hash = event.chainHash(after: previous)
                guard event.hash == hash else {
                    return .failure(
                        Tampering(
                            position: event.position,
                            reason: event.hash == nil
                                ? "the event has no hash"
                                : "the event does not match its hash: it was changed, inserted or moved"))
                }
                while let next = pending.first, next.position == event.position {
                    guard next.hash == hash else {
                        return .failure(
                            Tampering(
                                position: event.position,
                                reason:
                                    "the log diverges from the known head (its hash there is \(LogChain.hex(next.hash)))"
                            ))
                    }
                    pending.removeFirst()
                }
                previous = hash
                expected += 1
                checked += 1
            }
            progress(expected - 1, head)
            if page.count < pageSize { break }
        }
        if let missing = pending.first {
            return .failure(
                Tampering(
                    position: expected,
                    reason: "the log ends at position \(expected - 1), below the known head at \(missing.position): "
                        + "it was cut back"))
        }
        return .success(Verified(events: checked, head: expected - 1, hash: previous))
    }
}

extension InMemoryEventStore: VerifiableStore {
    /// The events with the texts the other stores would keep (this store keeps values, not texts).
    public func storedEvents(after position: Int64, limit: Int) async throws -> [StoredEvent] {
        try await readLog(after: position, filter: .all, limit: limit).map { event in
            StoredEvent(
                position: event.position, id: event.id, stream: event.stream.description, version: event.version,
                type: event.type, recordedAt: event.recordedAt.unixMilliseconds, data: event.data.serialized(),
                metadata: event.metadata.json.serialized(), hash: event.hash)
        }
    }
}

extension LogVerifier {
    /// The heads the store's checkpoints sign, each checked against `publicKey`; fails at the first checkpoint
    /// that is not signed by it (forged, or altered after signing).
    public static func signedHeads(in store: any EventStore, publicKey: [UInt8]) async throws
        -> Result<[KnownHead], Tampering>
    {
        var heads: [KnownHead] = []
        for event in try await store.readStream(SignedCheckpoint.stream) {
            guard let checkpoint = try? SignedCheckpoint(json: event.data), checkpoint.isValid(trusting: publicKey)
            else {
                return .failure(
                    Tampering(
                        position: event.position,
                        reason: "the checkpoint is not signed by the trusted key: it was forged or altered"))
            }
            heads.append(KnownHead(position: checkpoint.position, hash: checkpoint.hash))
        }
        return .success(heads)
    }
}
