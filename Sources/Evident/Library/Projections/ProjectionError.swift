/// An error from the projection and reactor runtime.
public struct ProjectionError: Error, Sendable, CustomStringConvertible, CustomDebugStringConvertible {
    /// What kind of error this is; new codes may be added without breaking users.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        public let name: String
        private init(_ name: String) { self.name = name }
        public var description: String { name }

        /// `waitUntil(position:timeout:)` gave up before the projection passed the position.
        public static let timedOut = Code("timedOut")
        /// The runner is already running; run one loop per runner.
        public static let alreadyRunning = Code("alreadyRunning")
        /// Reactors are not rebuilt: replaying side effects is not safe.
        public static let notRebuildable = Code("notRebuildable")
        /// A parked event is no longer in the log.
        public static let eventNotFound = Code("eventNotFound")
        /// An inline projection threw, so the append that ran it failed and wrote nothing.
        public static let inlineProjectionFailed = Code("inlineProjectionFailed")
        /// A projection that reads a store's events itself met personal values sealed by a
        /// ``PrivacyEventStore``, and was given no ``PersonalDataOpener`` to open them.
        public static let sealedPersonalData = Code("sealedPersonalData")
    }

    public var code: Code
    /// A message a person can act on.
    public var message: String
    /// The projection or reactor concerned.
    public var projection: String?
    /// The log position concerned.
    public var position: Int64?
    /// The underlying cause, for ``debugDescription`` only.
    public var underlying: String?

    public init(
        code: Code, message: String, projection: String? = nil, position: Int64? = nil, underlying: String? = nil
    ) {
        self.code = code
        self.message = message
        self.projection = projection
        self.position = position
        self.underlying = underlying
    }

    /// `projection` met sealed personal values and cannot open them.
    public static func sealedPersonalData(projection: String) -> ProjectionError {
        ProjectionError(
            code: .sealedPersonalData,
            message: "Projection \(projection) met events whose personal values are sealed (a PrivacyEventStore wrote "
                + "them); give it the privacy store's opener (`opening: privacy.opener`) so it sees them as reads do.",
            projection: projection)
    }

    public var description: String { message }
    public var debugDescription: String { underlying.map { "\(message) (\($0))" } ?? message }
}
