public import HTTPTypes
import Hummingbird

/// Who may call a route.
public enum RouteAccess: Sendable, Hashable, CustomStringConvertible {
    /// Anyone, without a key (`/_health`, `/_openapi.json`).
    case open
    /// A key with at least this scope.
    case scope(APIKeyScope)

    public var description: String {
        switch self {
        case .open: "open"
        case .scope(let scope): scope.rawValue
        }
    }
}

/// One route of the API and who may call it.
public struct RouteDeclaration: Sendable, Hashable {
    public var method: HTTPRequest.Method
    /// The path as the router writes it, such as `/_keys/:id`.
    public var path: String
    public var access: RouteAccess
}

/// The only way routes are added to the server's router: each states its access where it is registered,
/// and its handler is wrapped with the check for exactly that access. Authorization so follows the route the
/// router matched, never the raw path of the request.
struct Routes {
    let router: Router<BasicRequestContext>
    let authorization: Authorization
    private(set) var declarations: [RouteDeclaration] = []

    init(router: Router<BasicRequestContext>, authorization: Authorization) {
        self.router = router
        self.authorization = authorization
    }

    /// Adds a route that answers `method` on `path`, open to `access`.
    mutating func on(
        _ method: HTTPRequest.Method, _ path: RouterPath, _ access: RouteAccess,
        _ handler: @escaping @Sendable (Request, BasicRequestContext) async throws -> Response
    ) {
        declarations.append(RouteDeclaration(method: method, path: path.description, access: access))
        let authorization = authorization
        router.on(path, method: method) { request, context in
            if case .scope(let scope) = access { try await authorization.require(scope, for: request) }
            return try await handler(request, context)
        }
    }
}
