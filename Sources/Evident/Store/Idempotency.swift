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
        SHA256.hexDigest(request.serialized())
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
