public import Evident

/// One write: events of one aggregate, with their metadata, how the write checks the stream's length, and an
/// optional idempotency key. The HTTP API's `POST /{type}/{id}/{event}` and `POST /{type}/{id}`, the CLI's
/// `evident append`, and Swift code all describe a write this way.
public struct WriteRequest: Sendable {
    /// How the write checks the stream's length (j17's three modes).
    public enum Concurrency: Sendable, Hashable {
        /// The handlers run against the state read when the request arrives; the append succeeds only if the
        /// stream has not grown since.
        case automatic
        /// `previous_length`: the stream's length must equal it.
        case expectedLength(Int)
        /// `skip_occ: true`: no check of this aggregate's stream. Implied events still append with the length
        /// their target had when its state was read.
        case disabled
    }

    /// An event as the writer proposes it.
    public struct Event: Sendable, Hashable {
        public var type: String
        public var data: JSON

        public init(type: String, data: JSON = [:]) {
            self.type = type
            self.data = data
        }
    }

    /// The longest idempotency key, in UTF-8 bytes.
    public static let maximumIdempotencyKeyLength = 200

    public var aggregateType: String
    public var aggregateID: String
    public var events: [Event]
    public var metadata: EventMetadata
    public var concurrency: Concurrency
    /// Makes retries safe: a write with a key already used returns the first write's result when it asks for
    /// the same thing, and fails with `idempotencyKeyConflict` when it does not.
    public var idempotencyKey: String?

    public init(
        aggregateType: String, aggregateID: String, events: [Event], metadata: EventMetadata,
        concurrency: Concurrency = .automatic, idempotencyKey: String? = nil
    ) {
        self.aggregateType = aggregateType
        self.aggregateID = aggregateID
        self.events = events
        self.metadata = metadata
        self.concurrency = concurrency
        self.idempotencyKey = idempotencyKey
    }

    /// The key with the fingerprint of what the write asks for, so a retry is recognized before any check runs
    /// (the state it was checked against has since changed).
    func idempotency() throws(EngineError) -> Idempotency? {
        guard let key = idempotencyKey else { return nil }
        guard !key.isEmpty, key.utf8.count <= Self.maximumIdempotencyKeyLength else {
            throw EngineError(
                .malformedRequest, "Idempotency-Key must be 1 to \(Self.maximumIdempotencyKeyLength) characters.")
        }
        let concurrency: JSON =
            switch concurrency {
            case .automatic: "automatic"
            case .expectedLength(let length): .int(length)
            case .disabled: "disabled"
            }
        let request: JSON = [
            "type": .string(aggregateType), "id": .string(aggregateID), "metadata": metadata.json,
            "events": .array(events.map { ["type": .string($0.type), "data": $0.data] }),
            "concurrency": concurrency,
        ]
        return Idempotency(key: key, fingerprint: Idempotency.fingerprint(of: request))
    }

    /// Reads j17's `metadata` object: `actor` (required), `target`, `causation_id`, `correlation_id`,
    /// `previous_length`, `skip_occ`; other keys are kept as free metadata.
    public static func parseMetadata(_ json: JSON?) throws(EngineError) -> (EventMetadata, Concurrency) {
        guard let json else {
            throw EngineError(
                .invalidMetadata, "metadata.actor is required: {\"metadata\": {\"actor\": {\"type\", \"id\"}}}.")
        }
        guard case .object(var object) = json else {
            throw EngineError(.malformedRequest, "metadata must be a JSON object.")
        }
        var concurrency = Concurrency.automatic
        if let previous = object.removeValue(forKey: "previous_length") {
            guard let length = previous.number, length >= 0, length == length.rounded(), length < 1e15 else {
                throw EngineError(.malformedRequest, "metadata.previous_length must be a whole number, 0 or more.")
            }
            concurrency = .expectedLength(Int(length))
        }
        if let skip = object.removeValue(forKey: "skip_occ") {
            guard let skip = skip.bool else {
                throw EngineError(.malformedRequest, "metadata.skip_occ must be true or false.")
            }
            if skip {
                if case .expectedLength = concurrency {
                    throw EngineError(.malformedRequest, "metadata.previous_length and skip_occ cannot be combined.")
                }
                concurrency = .disabled
            }
        }
        guard let actor = object["actor"], !actor.isNull else {
            throw EngineError(.invalidMetadata, "metadata.actor is required: {\"type\": \"user\", \"id\": \"…\"}.")
        }
        do {
            return (try EventMetadata(json: .object(object)), concurrency)
        } catch {
            throw EngineError(.invalidMetadata, error.message)
        }
    }
}

/// What a write did.
public struct WriteOutcome: Sendable {
    /// The stream written to.
    public var stream: StreamName
    /// The append to that stream (flagged as a replay when an idempotent retry wrote nothing).
    public var result: AppendResult
    /// The appends to the streams of implied events, in the order they were planned.
    public var implied: [AppendResult]

    /// How many implied events were written.
    public var impliedCount: Int { implied.reduce(0) { $0 + $1.count } }
}
