import Evident
import EvidentEngine
import Hummingbird

extension EvidentServer {
    /// `GET /_whoami`: the scope of the key the request carries (and the key's id), so that a client such as the
    /// console shows only what that scope may do, without trying a call to find out. While no key exists (a
    /// server on loopback), every request may do everything: `"scope": "admin", "open": true`.
    func addWhoamiRoute(_ routes: inout Routes.Group) {
        routes.on(.get, "/_whoami") { request, _ in
            guard try await keys.hasKeys() else { return Response.ok(["scope": "admin", "open": true]) }
            // The group's middleware has checked the key already: it is there, known and at least `read`.
            guard let key = request.headers[.authorization].flatMap(Authorization.bearerToken),
                let scope = try await keys.scope(of: key, at: configuration.clock())
            else { throw APIError(.unauthorized, "The API key is unknown or revoked.") }
            var body: [String: JSON] = ["scope": .string(scope.rawValue), "open": false]
            if let id = Authorization.keyId(ofToken: key) { body["key_id"] = .string(id) }
            return Response.ok(body)
        }
    }
}
