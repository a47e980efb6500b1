public import Evident

/// Why the engine refused a request, besides a spec's refusal (`SpecError`, `SpecValidationError`) and the
/// store's (`EventStoreError`). Each code has one meaning, so a transport maps it to one answer.
public struct EngineError: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Code: String, Sendable, Hashable, CaseIterable {
        /// No spec has been stored yet.
        case noSpec
        /// The request is malformed: a field of the wrong type, options that exclude each other.
        case malformedRequest
        /// The metadata is missing something the spec needs (the actor) or holds an invalid value.
        case invalidMetadata
        /// The aggregate has no events (and is not a singleton).
        case aggregateNotFound
        /// An implication targets the aggregate the write appends to.
        case implicationTargetsWrittenAggregate
        /// Another writer stored a spec version after this one was read.
        case specChanged
        /// Personal data needs a store that encrypts it, and this engine has none.
        case privacyUnavailable
        /// A new spec would break stored events (an event type removed, a fold that fails, a narrowed schema);
        /// `details["problems"]` lists them. Storing it with `force` stores it anyway.
        case specRefused
        /// No spec version has the number asked for.
        case specVersionNotFound
        /// No projection has the name asked for, or it has no row with the id asked for.
        case projectionNotFound
        /// The spec in force declares the projection, so it cannot be deployed or deleted on its own.
        case projectionDeclaredBySpec
    }

    public var code: Code
    public var message: String
    /// What a client may want besides the message, such as `length` for a missing aggregate.
    public var details: [String: JSON]

    public init(_ code: Code, _ message: String, details: [String: JSON] = [:]) {
        self.code = code
        self.message = message
        self.details = details
    }

    public var description: String { message }
}
