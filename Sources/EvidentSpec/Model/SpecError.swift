/// Why an event was refused, or why a stored event could not be folded.
///
/// ``description`` never contains event data. A server maps ``Code/requirementFailed`` to 409 and the other
/// codes to 422 (or 404 for ``Code/unknownAggregateType``, 503 for ``Code/deadlineExceeded``).
///
/// ```swift
/// do { state = try order.apply(event, to: state) }
/// catch where error.code == .requirementFailed { … error.specPath … }
/// ```
public struct SpecError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What kind of error this is; new codes may be added without breaking users.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        public let name: String
        private init(_ name: String) { self.name = name }
        public var description: String { name }

        /// The spec declares no such aggregate type.
        public static let unknownAggregateType = Code("unknownAggregateType")
        /// An event given as JSON is not shaped like an event (no `type`, malformed metadata).
        public static let malformedEvent = Code("malformedEvent")
        /// The aggregate type declares no such event type.
        public static let unknownEventType = Code("unknownEventType")
        /// The event's data does not match the event's schema; ``violations`` lists how.
        public static let invalidData = Code("invalidData")
        /// An aggregate, actor or target id is malformed.
        public static let malformedIdentifier = Code("malformedIdentifier")
        /// The actor's type is not one of the spec's `agent_types`.
        public static let actorTypeNotAllowed = Code("actorTypeNotAllowed")
        /// The target's type is not one of the spec's `target_types`.
        public static let targetTypeNotAllowed = Code("targetTypeNotAllowed")
        /// The event's `requires` predicate does not hold for the current state (a conflict: 409).
        public static let requirementFailed = Code("requirementFailed")
        /// A handler op failed: wrong kind of value at its target, or a required reference is missing.
        public static let handlerFailed = Code("handlerFailed")
        /// An implication could not be computed (its id, data or condition failed to evaluate).
        public static let implicationFailed = Code("implicationFailed")
        /// Implications implied further events deeper than the allowed depth.
        public static let implicationDepthExceeded = Code("implicationDepthExceeded")
        /// Matching the schema's patterns against the event's data took longer than
        /// ``SpecLimits/patternMatchBudget``.
        public static let patternTooExpensive = Code("patternTooExpensive")
        /// The aggregate's state after the event would serialize to more than ``SpecLimits/maximumStateBytes``.
        public static let stateTooLarge = Code("stateTooLarge")
        /// The event implies more than ``SpecLimits/maximumImpliedEvents`` events, counting every level.
        public static let tooManyImpliedEvents = Code("tooManyImpliedEvents")
        /// A handler (or `requires`, or `implications`) took more than ``SpecLimits/maximumHandlerSteps`` steps.
        public static let handlerTooExpensive = Code("handlerTooExpensive")
        /// ``SpecLimits/deadline`` passed, or the task was cancelled, before the work was done.
        public static let deadlineExceeded = Code("deadlineExceeded")
    }

    public var code: Code
    /// A message a person can act on; never contains event data.
    public var message: String
    /// The path into the spec of the op, predicate or implication concerned, if any.
    public var specPath: String?
    /// For ``Code/invalidData``: every way the data fails its schema (paths rooted at `data`).
    public var violations: [SchemaViolation]

    public init(code: Code, message: String, specPath: String? = nil, violations: [SchemaViolation] = []) {
        self.code = code
        self.message = message
        self.specPath = specPath
        self.violations = violations
    }

    /// The code, the message, and the spec path when there is one.
    public var description: String {
        if let specPath { "\(code): \(message) (at \(specPath))" } else { "\(code): \(message)" }
    }
}
