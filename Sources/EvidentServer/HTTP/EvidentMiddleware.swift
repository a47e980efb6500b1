import HTTPTypes
import Evident
import Hummingbird
import Logging

/// Around every request: API-key authorization by scope, the error envelope for every failure (a client's
/// mistake is never a 500), a request id header, and request metrics by route.
struct EvidentMiddleware: RouterMiddleware {
    typealias Context = BasicRequestContext

    let keys: APIKeys
    let metrics: ServerMetrics
    /// Whether requests need no key while none exists (a server bound to loopback only).
    let openWithoutKeys: Bool
    let logger: Logger

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        var response: Response
        do {
            try await authorize(request)
            response = try await next(request, context)
        } catch {
            response = self.response(for: error, request: request, context: context)
        }
        response.headers[.init("X-Request-Id")!] = context.id
        metrics.request(route: context.endpointPath ?? "unmatched", status: response.status.code)
        return response
    }

    /// The scope a request needs; nil for the open routes.
    static func requiredScope(_ request: Request) -> APIKeyScope? {
        let path = request.uri.path
        if path == "/_health" || path == "/_openapi.json" { return nil }
        if path.hasPrefix("/_keys") || (path == "/_spec" && request.method != .get) { return .admin }
        return request.method == .get || request.method == .head ? .read : .write
    }

    private func authorize(_ request: Request) async throws {
        guard let needed = Self.requiredScope(request) else { return }
        guard try await keys.hasKeys() else {
            if openWithoutKeys { return }
            throw APIError(
                .unauthorized,
                "No API key exists and this server listens beyond loopback: create one with `evident keys create`.")
        }
        guard let header = request.headers[.authorization], header.hasPrefix("Bearer ") else {
            throw APIError(.unauthorized, "An API key is required: send 'Authorization: Bearer <key>'.")
        }
        guard let scope = try await keys.scope(of: String(header.dropFirst("Bearer ".count))) else {
            throw APIError(.unauthorized, "The API key is unknown or revoked.")
        }
        guard scope >= needed else {
            throw APIError(
                .forbidden, "This API key has the '\(scope.rawValue)' scope; this request needs '\(needed.rawValue)'.")
        }
    }

    private func response(for error: any Error, request: Request, context: Context) -> Response {
        let apiError: APIError
        switch error {
        case let error as APIError:
            apiError = error
        case let error as EventStoreError:
            apiError = APIError(error)
        case let error as any HTTPResponseError:
            let message =
                switch error.status {
                case .notFound: "No route \(request.method) \(request.uri.path); see GET /_openapi.json."
                case .contentTooLarge: "The request body is too large."
                default: (error as? HTTPError)?.body ?? error.status.reasonPhrase
                }
            apiError = APIError(error.status, message)
        default:
            apiError = APIError(.internalServerError, "Internal error; see the server log (request \(context.id)).")
        }
        if apiError.status.code >= 500 {
            context.logger.error(
                "Request failed", metadata: ["error": "\(String(reflecting: error))", "path": "\(request.uri.path)"])
        }
        return .json(apiError.body, status: apiError.status)
    }
}
