public import EvidentEngine
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
    /// The path as the router describes it, such as `/_keys/{id}`.
    public var path: String
    public var access: RouteAccess
}

/// The only way routes are added to the server's router: in groups, one per access, whose middleware checks
/// that access. A route so gets its check from the group it is declared in, and authorization follows the
/// route the router matched, never the raw path of the request.
struct Routes {
    let router: Router<EvidentRequestContext>
    let authorization: Authorization
    private(set) var declarations: [RouteDeclaration] = []

    init(router: Router<EvidentRequestContext>, authorization: Authorization) {
        self.router = router
        self.authorization = authorization
    }

    /// Declares the routes `body` adds, all open to `access`.
    mutating func group(_ access: RouteAccess, _ body: (inout Group) -> Void) {
        var group = Group(access: access, routes: router.group())
        if case .scope(let scope) = access {
            group.routes.add(middleware: ScopeMiddleware(scope: scope, authorization: authorization))
        }
        body(&group)
        declarations += group.declarations
    }

    /// Routes that share one access.
    struct Group {
        let access: RouteAccess
        var routes: RouterGroup<EvidentRequestContext>
        fileprivate(set) var declarations: [RouteDeclaration] = []

        mutating func on(
            _ method: HTTPRequest.Method, _ path: RouterPath,
            _ handler: @escaping @Sendable (Request, EvidentRequestContext) async throws -> Response
        ) {
            declarations.append(RouteDeclaration(method: method, path: path.description, access: access))
            routes.on(path, method: method, use: handler)
        }
    }
}

/// Checks, for the routes of one group, that a request carries a key with the group's scope.
struct ScopeMiddleware: RouterMiddleware {
    typealias Context = EvidentRequestContext

    let scope: APIKeyScope
    let authorization: Authorization

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        try await authorization.handle(scope, request: request, context: context, next: next)
    }
}
