public import Evident
import EvidentEngine
import EvidentSpec
public import HTTPTypes
import Hummingbird

/// An error answered to the client: a status, a message a person can act on, and details merged into the
/// `{"ok": false, "error": …}` envelope.
public struct APIError: Error, Sendable {
    public var status: HTTPResponse.Status
    public var message: String
    public var details: [String: JSON]

    public init(_ status: HTTPResponse.Status, _ message: String, details: [String: JSON] = [:]) {
        self.status = status
        self.message = message
        self.details = details
    }

    /// The envelope body.
    var body: JSON {
        var object = details
        object["ok"] = false
        object["error"] = .string(message)
        return .object(object)
    }

    /// The answer: the envelope, and on a 503 (the same request may succeed shortly) `Retry-After: 1`.
    var response: Response {
        var response = Response.json(body, status: status)
        if status == .serviceUnavailable { response.headers[.retryAfter] = "1" }
        return response
    }
}

/// The one table from the engine's errors to HTTP statuses and j17 bodies.
extension APIError {
    /// The answer for an error a route threw; nil for an error that is not the client's (a 500).
    init?(answering error: any Error) {
        switch error {
        case let error as APIError: self = error
        case let error as EngineError: self.init(error)
        case let error as SpecError: self.init(error)
        case let error as SpecValidationError: self.init(error)
        case let error as EventStoreError: self.init(error)
        default: return nil
        }
    }

    init(_ error: EngineError) {
        var details = error.details
        details["code"] = .string(error.code.rawValue)
        let status: HTTPResponse.Status =
            switch error.code {
            case .noSpec: .serviceUnavailable
            case .malformedRequest: .badRequest
            case .invalidMetadata, .implicationTargetsWrittenAggregate: .unprocessableContent
            case .aggregateNotFound: .notFound
            case .specChanged, .specRefused: .conflict
            case .specVersionNotFound: .notFound
            case .projectionNotFound: .notFound
            case .projectionDeclaredBySpec: .conflict
            case .privacyUnavailable: .notImplemented
            }
        self.init(status, error.message, details: details)
    }

    /// The answer for a spec that does not compile: every problem with its path.
    init(_ error: SpecValidationError) {
        self.init(
            .unprocessableContent, "The spec has \(error.problems.count) problem(s).",
            details: [
                "problems": .array(error.problems.map { ["path": .string($0.path), "message": .string($0.message)] })
            ])
    }

    /// The answer for a spec's refusal of an event.
    init(_ error: SpecError) {
        var details: [String: JSON] = ["code": .string(error.code.name)]
        if let specPath = error.specPath { details["spec_path"] = .string(specPath) }
        switch error.code {
        case .unknownAggregateType, .unknownEventType:
            self.init(.notFound, Self.sentence(error.message), details: details)
        case .invalidData:
            // j17's shape: a fixed message and the first failing path.
            if let first = error.violations.first {
                details["path"] = .string(first.path)
                details["keyword"] = .string(first.keyword)
            }
            details["violations"] = .array(
                error.violations.map {
                    ["path": .string($0.path), "keyword": .string($0.keyword), "message": .string($0.message)]
                })
            self.init(.unprocessableContent, "Event data failed schema validation", details: details)
        case .requirementFailed:
            if let specPath = error.specPath { details["path"] = .string(specPath) }
            self.init(.conflict, Self.sentence(error.message), details: details)
        case .deadlineExceeded:
            self.init(.serviceUnavailable, Self.sentence(error.message), details: details)
        default:
            if let specPath = error.specPath { details["path"] = .string(specPath) }
            self.init(.unprocessableContent, Self.sentence(error.message), details: details)
        }
    }

    /// The answer for a store error.
    init(_ error: EventStoreError) {
        switch error.code {
        case .wrongExpectedVersion:
            let actual = error.actualLength ?? 0
            let expected: String =
                switch error.expectedVersion {
                case .exact(let length): "\(length)"
                case .noStream: "0"
                case .streamExists: "at least 1"
                default: "any"
                }
            self.init(
                .conflict, "Concurrent write detected. Stream has \(actual) events, expected \(expected).",
                details: ["length": .int(actual), "stream": .string(error.stream?.description ?? "")])
        case .idempotencyKeyConflict:
            self.init(
                .unprocessableContent,
                "Idempotency-Key '\(error.idempotencyKey ?? "")' was already used with a different request.")
        case .streamTooLong:
            self.init(.unprocessableContent, error.message, details: ["limit": .int(error.limit ?? 0)])
        case .invalidArgument, .invalidStreamName, .duplicateEventId:
            self.init(.unprocessableContent, error.message)
        case .busy, .unavailable:
            self.init(.serviceUnavailable, error.message)
        case .unsupported:
            self.init(.notImplemented, error.message)
        default:
            self.init(.internalServerError, "The store failed; see the server log.")
        }
    }

    static func sentence(_ message: String) -> String {
        guard let first = message.first else { return message }
        let capitalized = first.uppercased() + message.dropFirst()
        return capitalized.hasSuffix(".") ? capitalized : capitalized + "."
    }
}
