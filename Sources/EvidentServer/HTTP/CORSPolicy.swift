import HTTPTypes
import Hummingbird
import NIOCore

/// Cross-origin requests from the origins of ``ServerConfiguration/corsOrigins``: a preflight (`OPTIONS` with
/// `Origin` and `Access-Control-Request-Method`) from one of them is answered 204 with the allowed methods and
/// headers, before any route or key check (browsers send no key with a preflight); other requests from them get
/// `Access-Control-Allow-Origin` and `Access-Control-Expose-Headers` on their answer. Requests from other origins are untouched (and a browser
/// refuses their answers). Hummingbird's `CORSMiddleware` writes the headers.
struct CORSPolicy: RouterMiddleware {
    typealias Context = EvidentRequestContext

    /// Any origin (`*`), or only these.
    let anyOrigin: Bool
    let origins: Set<String>
    private let cors: CORSMiddleware<Context>

    /// The request headers a client of the API sends.
    static let allowedHeaders: [HTTPField.Name] = [
        .accept, .authorization, .contentType, .init("Idempotency-Key")!, .init("Last-Event-ID")!,
    ]
    /// The answer headers a page may read.
    static let exposedHeaders = [
        "X-Request-Id", "Evident-Position", "X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Scope",
        "Retry-After",
    ]

    init(origins: [String]) {
        anyOrigin = origins.contains("*")
        self.origins = Set(origins.map { $0.lowercased() })
        let allowOrigin: CORSMiddleware<Context>.AllowOriginExtended = anyOrigin ? .all : .originBased
        cors = CORSMiddleware(
            allowOrigin: allowOrigin, allowHeaders: Self.allowedHeaders,
            allowMethods: [.get, .head, .post, .put, .delete, .options], exposedHeaders: Self.exposedHeaders,
            maxAge: .seconds(600))
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        guard let origin = request.headers[.origin], anyOrigin || origins.contains(origin.lowercased()) else {
            return try await next(request, context)
        }
        // An OPTIONS request that is not a preflight is the API's to answer (it has no such route).
        if request.method == .options, request.headers[.accessControlRequestMethod] == nil {
            return try await next(request, context)
        }
        var response = try await cors.handle(request, context: context, next: next)
        // Hummingbird's middleware names the headers a page may read only on the preflight; browsers look for
        // them on the answer itself.
        if request.method != .options {
            response.headers[.accessControlExposeHeaders] = Self.exposedHeaders.joined(separator: ", ")
        }
        return response
    }
}
