import EvidentEngine
import Foundation
import HTTPTypes
import Hummingbird

/// Checks that a request carries a key with the scope its route needs.
struct Authorization: Sendable {
    let keys: APIKeys
    /// Whether requests need no key while none exists (a server bound to loopback only).
    let openWithoutKeys: Bool

    func require(_ needed: APIKeyScope, for request: Request) async throws {
        guard try await keys.hasKeys() else {
            if openWithoutKeys { return }
            throw APIError(
                .unauthorized,
                "No API key exists and this server listens beyond loopback: create one with `evident keys create`.")
        }
        guard let key = request.headers[.authorization].flatMap(Self.bearerToken) else {
            throw APIError(.unauthorized, "An API key is required: send 'Authorization: Bearer <key>'.")
        }
        guard let scope = try await keys.scope(of: key) else {
            throw APIError(.unauthorized, "The API key is unknown or revoked.")
        }
        guard scope >= needed else {
            throw APIError(
                .forbidden, "This API key has the '\(scope.rawValue)' scope; this request needs '\(needed.rawValue)'.")
        }
    }

    /// The token of an `Authorization: Bearer <token>` header; the scheme name is case-insensitive (RFC 9110).
    static func bearerToken(_ header: String) -> String? {
        let parts = header.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else { return nil }
        let token = parts[1].trimmingCharacters(in: .whitespaces)
        return token.isEmpty ? nil : String(token)
    }
}
