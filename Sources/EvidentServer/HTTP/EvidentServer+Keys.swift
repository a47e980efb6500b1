import Evident
import EvidentEngine
import Hummingbird

extension EvidentServer {
    /// The API keys: list, create, revoke.
    func addKeyRoutes(_ routes: inout Routes.Group) {
        routes.on(.get, "/_keys") { _, _ in
            let keys = try await keys.list()
            return Response.ok([
                "keys": .array(keys.map { ["id": .string($0.id), "scope": .string($0.scope.rawValue)] })
            ])
        }

        routes.on(.post, "/_keys") { request, _ in
            var request = request
            let body = try await request.jsonBody(limit: configuration.maximumBodySize)
            guard let scope = body["scope"]?.string.flatMap(APIKeyScope.init(rawValue:)) else {
                throw APIError(.unprocessableContent, "scope must be one of: read, write, admin.")
            }
            let (id, key, position) = try await keys.create(scope: scope)
            return Response.written(
                ["id": .string(id), "key": .string(key), "scope": .string(scope.rawValue)], position: position)
        }

        routes.on(.delete, "/_keys/:id") { _, context in
            let id = try context.parameter("id")
            switch try await keys.revoke(id: id) {
            case .revoked(let position):
                return Response.written(["id": .string(id), "revoked": true], position: position, status: .ok)
            case .unknown:
                throw APIError(.notFound, "No API key with id '\(id)'.")
            case .lastAdminKey:
                throw APIError(
                    .conflict,
                    "Key '\(id)' is the last admin key; create another admin key first, or revoke it on the server "
                        + "with `evident keys revoke --force \(id)`.")
            }
        }
    }
}
