import HTTPTypes
import Evident
import EvidentSpec
import Hummingbird
import Logging

/// Around every request, after the router has matched its route: canonical paths only, the request's deadline,
/// the error envelope for every failure (a client's mistake is never a 500), a request id header, and request
/// metrics by route. Authorization is not here: each route checks its own access (see ``Routes``).
struct EvidentMiddleware: RouterMiddleware {
    typealias Context = EvidentRequestContext

    let metrics: ServerMetrics
    /// How long a request's work may run before it stops (``ServerConfiguration/requestTimeout``).
    let requestTimeout: Duration
    let logger: Logger

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        var response: Response
        do {
            try Self.requireCanonicalPath(request.uri.path)
            response = try await SpecLimits.$deadline.withValue(.now + requestTimeout) {
                try await next(request, context)
            }
        } catch {
            response = self.response(for: error, request: request, context: context)
        }
        response.headers[.init("X-Request-Id")!] = context.id
        metrics.request(route: context.endpointPath ?? "unmatched", status: response.status.code)
        return response
    }

    /// Refuses paths the router would match in a form other than the one it declares — an empty segment
    /// (`//_keys`), a trailing slash, a dot segment, a percent-encoded character — so that no spelling of a
    /// path can reach a route other than the one it reads as. Ids and names never need any of these.
    static func requireCanonicalPath(_ path: String) throws {
        guard !isCanonical(path) else { return }
        throw APIError(
            .notFound,
            "No route for the path '\(path)': paths have no empty, '.' or '..' segments, no trailing '/' and "
                + "no percent-encoded characters; see GET /_openapi.json.")
    }

    /// One pass over the bytes: every segment after a `/` is non-empty and neither `.` nor `..`, and no `%`.
    static func isCanonical(_ path: String) -> Bool {
        var utf8 = path.utf8.makeIterator()
        guard utf8.next() == UInt8(ascii: "/") else { return false }
        if path.utf8.count == 1 { return true }
        var segmentLength = 0
        var segmentDots = 0
        while true {
            let byte = utf8.next()
            switch byte {
            case UInt8(ascii: "%"):
                return false
            case UInt8(ascii: "/"), nil:
                if segmentLength == 0 || segmentDots == segmentLength && segmentLength <= 2 { return false }
                if byte == nil { return true }
                segmentLength = 0
                segmentDots = 0
            case UInt8(ascii: "."):
                segmentLength += 1
                segmentDots += 1
            default:
                segmentLength += 1
            }
        }
    }

    private func response(for error: any Error, request: Request, context: Context) -> Response {
        let apiError: APIError
        if let answer = APIError(answering: error) {
            apiError = answer
        } else if let error = error as? any HTTPResponseError {
            let message =
                switch error.status {
                case .notFound: "No route \(request.method) \(request.uri.path); see GET /_openapi.json."
                case .contentTooLarge: "The request body is too large."
                default: (error as? HTTPError)?.body ?? error.status.reasonPhrase
                }
            apiError = APIError(error.status, message)
        } else {
            apiError = APIError(.internalServerError, "Internal error; see the server log (request \(context.id)).")
        }
        if apiError.status.code >= 500 {
            context.logger.error(
                "Request failed", metadata: ["error": "\(String(reflecting: error))", "path": "\(request.uri.path)"])
        }
        return apiError.response
    }
}
