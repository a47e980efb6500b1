import HTTPTypes
import Evident
import EvidentSpec

/// One `POST /{type}/{id}/{event}` or `POST /{type}/{id}` (batch), parsed.
struct WriteRequest: Sendable {
    /// How the write checks the stream's length (j17's three modes).
    enum Concurrency: Sendable {
        /// The handlers run against the state read when the request arrives; the append succeeds only if the
        /// stream has not grown since.
        case automatic
        /// `previous_length`: the stream's length must equal it.
        case expectedLength(Int)
        /// `skip_occ: true`: no check.
        case disabled
    }

    var aggregateType: String
    var aggregateID: String
    var events: [(type: String, data: JSON)]
    var metadata: EventMetadata
    var concurrency: Concurrency
    /// The `Idempotency-Key` header with the fingerprint of the request (route and body): a retry is
    /// recognized before any check runs, since the state it was checked against has since changed.
    var idempotency: Idempotency?

    /// Reads the body's `metadata`: `actor` (required), `target`, `previous_length`, `skip_occ`; other keys
    /// are kept as free metadata.
    static func parseMetadata(_ json: JSON?) throws -> (EventMetadata, Concurrency) {
        guard let json else {
            throw APIError(
                .unprocessableContent, "metadata.actor is required: {\"metadata\": {\"actor\": {\"type\", \"id\"}}}.")
        }
        guard case .object(var object) = json else { throw APIError(.badRequest, "metadata must be a JSON object.") }
        var concurrency = Concurrency.automatic
        if let previous = object.removeValue(forKey: "previous_length") {
            guard let length = previous.number, length >= 0, length == length.rounded(), length < 1e15 else {
                throw APIError(.badRequest, "metadata.previous_length must be a whole number, 0 or more.")
            }
            concurrency = .expectedLength(Int(length))
        }
        if let skip = object.removeValue(forKey: "skip_occ") {
            guard let skip = skip.bool else { throw APIError(.badRequest, "metadata.skip_occ must be true or false.") }
            if skip {
                if case .expectedLength = concurrency {
                    throw APIError(.badRequest, "metadata.previous_length and skip_occ cannot be combined.")
                }
                concurrency = .disabled
            }
        }
        guard let actor = object["actor"], !actor.isNull else {
            throw APIError(.unprocessableContent, "metadata.actor is required: {\"type\": \"user\", \"id\": \"…\"}.")
        }
        let metadata: EventMetadata
        do {
            metadata = try EventMetadata(json: .object(object))
        } catch {
            throw APIError(.unprocessableContent, error.message)
        }
        return (metadata, concurrency)
    }
}

/// What a write did.
struct WriteOutcome: Sendable {
    var stream: StreamName
    var result: AppendResult
    var impliedCount: Int
}
