import EvidentEngine
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// Checks that a request carries a key with the scope its route needs, and counts it against the rate limits.
struct Authorization: Sendable {
    let keys: APIKeys
    /// Whether requests need no key while none exists (a server bound to loopback only).
    let openWithoutKeys: Bool
    /// The limits on requests per minute, when any is set.
    let rateLimiter: RateLimiter?
    /// The time scheduled revocations and rate-limit windows are measured by.
    let clock: @Sendable () -> Date

    /// Answers a request to a route that needs `needed`: 401 or 403 without a key that has it, 429 past the
    /// rate limit of the key (or, without a key, of the client's address); otherwise `next`'s answer, with the
    /// rate-limit headers when a limit applies.
    func handle(
        _ needed: APIKeyScope, request: Request, context: EvidentRequestContext,
        next: (Request, EvidentRequestContext) async throws -> Response
    ) async throws -> Response {
        let now = clock()
        let client = try await require(needed, for: request, at: now) ?? Self.address(of: context)
        guard let outcome = rateLimiter?.count(RateLimiter.Kind(request.method), client: client, at: now) else {
            return try await next(request, context)
        }
        guard outcome.allowed else { return outcome.refusal }
        var response = try await next(request, context)
        outcome.addHeaders(to: &response.headers)
        return response
    }

    /// Checks the request's key; returns the client it counts as (`key:<id>`), or nil when no key is needed.
    func require(_ needed: APIKeyScope, for request: Request, at now: Date) async throws -> String? {
        guard try await keys.hasKeys() else {
            if openWithoutKeys { return nil }
            throw APIError(
                .unauthorized,
                "No API key exists and this server listens beyond loopback: create one with `evident keys create`.")
        }
        guard let key = request.headers[.authorization].flatMap(Self.bearerToken) else {
            throw APIError(.unauthorized, "An API key is required: send 'Authorization: Bearer <key>'.")
        }
        guard let scope = try await keys.scope(of: key, at: now) else {
            throw APIError(.unauthorized, "The API key is unknown or revoked.")
        }
        guard scope >= needed else {
            throw APIError(
                .forbidden, "This API key has the '\(scope.rawValue)' scope; this request needs '\(needed.rawValue)'.")
        }
        return "key:" + key.split(separator: "_")[1]
    }

    /// The client a request without a key counts as: its address, without the port.
    static func address(of context: EvidentRequestContext) -> String {
        "ip:" + (context.remoteAddress?.ipAddress ?? "unknown")
    }

    /// The id of the API key `request` carries (`evk_<id>_<secret>`), if any; not checked here.
    static func keyID(of request: Request) -> String? {
        request.headers[.authorization].flatMap(bearerToken).flatMap(APIKeys.id(ofKey:))
    }

    /// The token of an `Authorization: Bearer <token>` header; the scheme name is case-insensitive (RFC 9110).
    static func bearerToken(_ header: String) -> String? {
        let parts = header.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else { return nil }
        let token = parts[1].trimmingCharacters(in: .whitespaces)
        return token.isEmpty ? nil : String(token)
    }
}
