/// An error from an event store. Its ``description`` never contains event data; ``debugDescription`` adds
/// the underlying cause.
///
/// ```swift
/// do { try await store.append(events, to: stream, expectedVersion: .exact(3)) }
/// catch let error as EventStoreError where error.code == .wrongExpectedVersion { … }
/// ```
public struct EventStoreError: Error, Sendable, CustomStringConvertible, CustomDebugStringConvertible {
    /// What kind of error this is; new codes may be added without breaking users.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        public let name: String
        private init(_ name: String) { self.name = name }
        public var description: String { name }

        /// The stream's length did not match the expected version. ``stream``, ``expectedVersion`` and
        /// ``actualLength`` say how.
        public static let wrongExpectedVersion = Code("wrongExpectedVersion")
        /// A stream name is malformed.
        public static let invalidStreamName = Code("invalidStreamName")
        /// The append would make the stream longer than the configured limit (``limit``).
        public static let streamTooLong = Code("streamTooLong")
        /// The idempotency key (``idempotencyKey``) was used before with different events.
        public static let idempotencyKeyConflict = Code("idempotencyKeyConflict")
        /// An event id appears twice in one append.
        public static let duplicateEventId = Code("duplicateEventId")
        /// An argument is out of range or malformed.
        public static let invalidArgument = Code("invalidArgument")
        /// The database stayed locked by another process past the busy timeout.
        public static let busy = Code("busy")
        /// The file is not an Evident database, or was written by a newer version.
        public static let incompatibleDatabase = Code("incompatibleDatabase")
        /// The storage failed (I/O error, disk full, corruption).
        public static let storageFailure = Code("storageFailure")
        /// The database cannot be reached for now (a server restarting, a connection lost, a statement timed
        /// out); the same call may succeed later. An append that fails so may or may not have been written:
        /// retry it with its idempotency key.
        public static let unavailable = Code("unavailable")
        /// The store cannot do what was asked (such as listing streams, ``StreamListing``).
        public static let unsupported = Code("unsupported")
    }

    public var code: Code
    /// A message a person can act on.
    public var message: String
    /// The stream concerned, if any.
    public var stream: StreamName?
    /// For `wrongExpectedVersion`: what the writer expected.
    public var expectedVersion: ExpectedVersion?
    /// For `wrongExpectedVersion`: the stream's actual length.
    public var actualLength: Int?
    /// For `streamTooLong`: the limit.
    public var limit: Int?
    /// For `idempotencyKeyConflict`: the key.
    public var idempotencyKey: String?
    /// The underlying cause, for ``debugDescription`` only.
    public var underlying: String?

    public init(
        code: Code, message: String, stream: StreamName? = nil, expectedVersion: ExpectedVersion? = nil,
        actualLength: Int? = nil, limit: Int? = nil, idempotencyKey: String? = nil, underlying: String? = nil
    ) {
        self.code = code
        self.message = message
        self.stream = stream
        self.expectedVersion = expectedVersion
        self.actualLength = actualLength
        self.limit = limit
        self.idempotencyKey = idempotencyKey
        self.underlying = underlying
    }

    public var description: String { message }

    public var debugDescription: String {
        underlying.map { "\(message) (\($0))" } ?? message
    }
}

extension EventStoreError {
    static func invalidStreamName(_ name: String, reason: String) -> EventStoreError {
        EventStoreError(code: .invalidStreamName, message: "Invalid stream name '\(name)': \(reason).")
    }

    /// The error for a stream whose length is not what the writer expected.
    public static func wrongExpectedVersion(stream: StreamName, expected: ExpectedVersion, actual: Int)
        -> EventStoreError
    {
        EventStoreError(
            code: .wrongExpectedVersion,
            message:
                "Concurrent write detected on stream \(stream): expected \(expected), but it has \(actual) events.",
            stream: stream, expectedVersion: expected, actualLength: actual)
    }

    /// The error for an append that would pass the stream-length limit.
    public static func streamTooLong(stream: StreamName, length: Int, adding: Int, limit: Int) -> EventStoreError {
        EventStoreError(
            code: .streamTooLong,
            message: "Stream \(stream) has \(length) events; appending \(adding) would pass the limit of \(limit). "
                + "Snapshot the aggregate and start a new stream, or raise the limit.",
            stream: stream, actualLength: length, limit: limit)
    }

    /// The error for an idempotency key reused with different events.
    public static func idempotencyKeyConflict(_ key: String) -> EventStoreError {
        EventStoreError(
            code: .idempotencyKeyConflict,
            message: "Idempotency key '\(key)' was already used for a different append.", idempotencyKey: key)
    }

    /// An invalid argument.
    public static func invalidArgument(_ message: String) -> EventStoreError {
        EventStoreError(code: .invalidArgument, message: message)
    }
}
