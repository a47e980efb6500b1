import Evident
import EvidentEngine
import Foundation
import Hummingbird

extension EvidentServer {
    /// The API keys: list, create, revoke, rotate, schedule a revocation.
    func addKeyRoutes(_ routes: inout Routes.Group) {
        routes.on(.get, "/_keys") { _, _ in
            let keys = try await keys.list(at: configuration.clock())
            return Response.ok(["keys": .array(keys.map(\.json))])
        }

        routes.on(.post, "/_keys") { request, _ in
            var request = request
            let body = try await request.jsonBody(limit: configuration.maximumBodySize)
            guard let scope = body["scope"]?.string.flatMap(APIKeyScope.init(rawValue:)) else {
                throw APIError(.unprocessableContent, "scope must be one of: read, write, admin.")
            }
            let name = try Self.name(in: body)
            let now = configuration.clock()
            let (id, key, position) = try await keys.create(scope: scope, name: name, at: now)
            var answer: [String: JSON] = [
                "id": .string(id), "key": .string(key), "scope": .string(scope.rawValue),
                "created_at": .string(now.iso8601Milliseconds),
            ]
            if let name { answer["name"] = .string(name) }
            return Response.written(answer, position: position)
        }

        routes.on(.delete, "/_keys/:id") { _, context in
            let id = try context.parameter("id")
            switch try await keys.revoke(id: id, at: configuration.clock()) {
            case .revoked(let position):
                return Response.written(["id": .string(id), "revoked": true], position: position, status: .ok)
            case .unknown:
                throw Self.unknownKey(id)
            case .lastAdminKey:
                throw APIError(
                    .conflict,
                    "Key '\(id)' is the last admin key; create another admin key first, or revoke it on the server "
                        + "with `evident keys revoke --force \(id)`.")
            }
        }

        routes.on(.post, "/_keys/:id/rotate") { _, context in
            let id = try context.parameter("id")
            switch try await keys.rotate(id: id, at: configuration.clock()) {
            case .rotated(let newID, let key, let scope, let name, let position):
                var answer: [String: JSON] = [
                    "id": .string(newID), "key": .string(key), "scope": .string(scope.rawValue),
                    "rotated_from": .string(id),
                ]
                if let name { answer["name"] = .string(name) }
                return Response.written(answer, position: position)
            case .unknown:
                throw Self.unknownKey(id)
            }
        }

        routes.on(.post, "/_keys/:id/schedule_revocation") { request, context in
            let id = try context.parameter("id")
            var request = request
            let body = try await request.jsonBody(limit: configuration.maximumBodySize)
            guard let text = body["revoke_at"]?.string else {
                throw APIError(
                    .unprocessableContent,
                    "revoke_at is required: the time the key stops working, in ISO 8601 with a time zone, such as "
                        + "\"2027-01-31T12:00:00Z\".")
            }
            guard let time = APIKeys.parseTime(text) else {
                throw APIError(
                    .unprocessableContent,
                    "revoke_at '\(text)' is not an ISO 8601 time with a time zone, such as \"2027-01-31T12:00:00Z\" or "
                        + "\"2027-01-31T13:00:00+01:00\".")
            }
            let now = configuration.clock()
            switch try await keys.scheduleRevocation(id: id, at: time, now: now) {
            case .scheduled(let position):
                return Response.written(
                    ["id": .string(id), "revoke_at": .string(time.iso8601Milliseconds)], position: position,
                    status: .ok)
            case .unknown:
                throw Self.unknownKey(id)
            case .notInFuture:
                throw APIError(
                    .unprocessableContent,
                    "revoke_at \(time.iso8601Milliseconds) is not in the future (it is now \(now.iso8601Milliseconds)); "
                        + "to revoke the key now, DELETE /_keys/\(id).")
            case .lastAdminKey:
                throw APIError(
                    .conflict,
                    "Key '\(id)' would leave no admin key working at \(time.iso8601Milliseconds): every other admin "
                        + "key is revoked by then. Create another admin key first, or rotate this one.")
            }
        }
    }

    /// The optional `name` of a new key; 422 when it is there but cannot name a key.
    static func name(in body: JSON) throws -> String? {
        guard let value = body["name"], value != .null else { return nil }
        guard let name = value.string else {
            throw APIError(.unprocessableContent, "name must be a string, such as \"billing-service\".")
        }
        if let problem = APIKeys.problem(withName: name) { throw APIError(.unprocessableContent, problem) }
        return name
    }

    static func unknownKey(_ id: String) -> APIError {
        APIError(.notFound, "No API key with id '\(id)'.")
    }
}
