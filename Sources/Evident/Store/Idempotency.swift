/// An idempotency key and the fingerprint of the request it stands for. A store keeps both with the result
/// of the append; a later append with the same key replays that result when the fingerprints match and fails
/// with `idempotencyKeyConflict` when they do not.
public struct Idempotency: Sendable, Hashable {
    public var key: String
    /// What the request asked for. Callers with a request of their own (an HTTP body, a command) fingerprint
    /// it; ``init(key:for:)`` fingerprints the appends themselves.
    public var fingerprint: String

    public init(key: String, fingerprint: String) {
        self.key = key
        self.fingerprint = fingerprint
    }

    /// The fingerprint of a request given as JSON: the SHA-256 of its canonical form (compact, keys sorted), so
    /// equal requests have equal fingerprints in every process.
    public static func fingerprint(of request: JSON) -> String {
        Hashing.sha256Hex(request.serialized())
    }

    /// The key with the fingerprint of `appends` (see ``AppendValidation/fingerprint(_:)``).
    public init(key: String, for appends: [StreamAppend]) {
        self.init(key: key, fingerprint: AppendValidation.fingerprint(appends))
    }
}

/// What a store remembers of an append made with an idempotency key.
public struct IdempotentAppend: Sendable, Hashable {
    public var fingerprint: String
    /// The results the append returned, each flagged as a replay.
    public var results: [AppendResult]

    public init(fingerprint: String, results: [AppendResult]) {
        self.fingerprint = fingerprint
        self.results = results.map {
            var result = $0; result.isReplay = true; return result
        }
    }
}

extension IdempotentAppend {
    /// Results as stores keep them with their key: a JSON array, the same in every store.
    package static func stored(_ results: [AppendResult]) -> JSON {
        .array(
            results.map {
                [
                    "stream": .string($0.stream.description), "length": .int($0.streamLength), "count": .int($0.count),
                    "first_position": .int(Int($0.firstPosition)),
                ]
            })
    }

    /// Results kept by ``stored(_:)``.
    package static func results(stored json: JSON) throws -> [AppendResult] {
        let damaged = EventStoreError(code: .storageFailure, message: "Damaged idempotency record.")
        guard let array = json.array else { throw damaged }
        return try array.map { item in
            guard let stream = item["stream"]?.string, let length = item["length"]?.number,
                let count = item["count"]?.number, let first = item["first_position"]?.number
            else { throw damaged }
            return AppendResult(
                stream: try StreamName(stream), streamLength: Int(length), count: Int(count),
                firstPosition: Int64(first))
        }
    }
}
