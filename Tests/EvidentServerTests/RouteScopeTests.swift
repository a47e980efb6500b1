import EvidentEngine
import EvidentServer
import Hummingbird
import Testing

@Suite("Route scopes")
struct RouteScopeTests {
    /// Who may call each route: the authorization matrix of docs/security.md.
    static let matrix: [String: RouteAccess] = [
        "GET /_health": .open, "GET /_openapi.json": .open,
        "GET /_metrics": .scope(.read), "GET /_spec": .scope(.read), "GET /_log": .scope(.read),
        "GET /_log/stream": .scope(.read), "GET /{type}": .scope(.read), "GET /{type}/{id}": .scope(.read),
        "GET /{type}/{id}/length": .scope(.read),
        "GET /{type}/{id}/events": .scope(.read),
        "POST /{type}/{id}/{event}": .scope(.write), "POST /{type}/{id}": .scope(.write),
        "PUT /_spec": .scope(.admin), "GET /_keys": .scope(.admin), "POST /_keys": .scope(.admin),
        "DELETE /_keys/{id}": .scope(.admin), "GET /_subjects/{id}": .scope(.admin),
        "DELETE /_subjects/{id}": .scope(.admin), "GET /_audit/head": .scope(.read), "GET /_verify": .scope(.admin),
        "GET /_streams": .scope(.read), "GET /_whoami": .scope(.read), "GET /_consumers/{name}": .scope(.read),
        "GET /_consumers": .scope(.read),
        "POST /_consumers/{name}/replay": .scope(.admin),
        "POST /_keys/{id}/rotate": .scope(.admin), "POST /_keys/{id}/schedule_revocation": .scope(.admin),
        "GET /_spec/versions": .scope(.read), "GET /_spec/versions/{version}": .scope(.read),
        "POST /_spec/rollback": .scope(.admin),
        "GET /_schedules": .scope(.read),
        "GET /_projections": .scope(.read), "GET /_projections/{name}": .scope(.read),
        "GET /_projections/{name}/{id}": .scope(.read), "PUT /_projections/{name}": .scope(.admin),
        "DELETE /_projections/{name}": .scope(.admin),
        "GET /_nodes": .scope(.read), "GET /_audit/verifications": .scope(.read),
    ]

    @Test("every route of the router was declared in a group with its scope, the one the matrix expects")
    func everyRouteHasItsScope() async throws {
        let server = try await TestServer().server
        let routed = server.makeRouter().routes.map { "\($0.method) \($0.path)" }
        let declared = Dictionary(
            server.routeDeclarations.map { ("\($0.method) \($0.path)", $0.access) }, uniquingKeysWith: { $1 })
        for route in routed {
            #expect(declared[route] != nil, "\(route) is routed without a declared scope")
        }
        #expect(routed.count == declared.count, "a declared route is not routed, or one is declared twice")
        #expect(declared == Self.matrix)
    }
}
