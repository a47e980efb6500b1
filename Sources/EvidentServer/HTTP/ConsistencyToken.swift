import Evident
import EvidentEngine
import EvidentSpec
import HTTPTypes
import Hummingbird

extension HTTPField.Name {
    /// On a write's answer: the log position of its last event, the token a later read sends back.
    static let evidentPosition = HTTPField.Name("Evident-Position")!
    /// On a read: the consistency token, as a header (the log routes' `?after=` is their page cursor).
    static let evidentAfter = HTTPField.Name("Evident-After")!
}

/// What a read must see: a log position a write answered with (`?after=` or the header `Evident-After`; the
/// larger when both are sent), and how long the read may wait for it to be visible where it is served
/// (`?wait=` seconds, a decimal, 5 by default, at most 30).
struct ConsistencyToken {
    static let defaultWait: Duration = .seconds(5)
    static let maximumWaitSeconds = 30.0

    /// nil when the request asks for no position.
    var position: Int64?
    var wait: Duration

    /// The token of `request`; with `inQuery: false` (the log routes) only the header carries it. 400 when a
    /// value is malformed, with or without a position.
    init(_ request: Request, inQuery: Bool) throws {
        var position = inQuery ? try request.integerQuery("after").map(Int64.init) : nil
        if let header = request.headers[.evidentAfter] {
            guard let value = Int64(header), value >= 0 else {
                throw APIError(
                    .badRequest, "The Evident-After header must be a log position (a whole number, 0 or more).")
            }
            position = max(position ?? 0, value)
        }
        self.position = position
        wait = Self.defaultWait
        if let text = request.uri.queryParameters.get("wait") {
            guard let seconds = Double(text), seconds.isFinite, (0...Self.maximumWaitSeconds).contains(seconds) else {
                throw APIError(
                    .badRequest,
                    "Query parameter 'wait' must be a number of seconds from 0 to \(Int(Self.maximumWaitSeconds)).")
            }
            wait = .seconds(seconds)
        }
    }
}

extension EvidentServer {
    /// Returns once the request's consistency token, if it has one, is visible in the engine's read store, and
    /// returns its position; 503 (with `Retry-After`) when it is not within the token's wait or before the
    /// request's deadline, whichever comes first.
    @discardableResult
    func awaitConsistency(_ request: Request, tokenInQuery: Bool = true) async throws -> Int64? {
        let token = try ConsistencyToken(request, inQuery: tokenInQuery)
        guard let position = token.position else { return nil }
        var timeout = token.wait
        if let deadline = SpecLimits.deadline { timeout = min(timeout, ContinuousClock.now.duration(to: deadline)) }
        guard try await engine.waitUntilVisible(position, timeout: timeout) else {
            throw APIError(
                .serviceUnavailable,
                "Position \(position) is not yet visible where this read was served; retry in a moment, or wait "
                    + "longer with ?wait= (up to \(Int(ConsistencyToken.maximumWaitSeconds)) seconds).",
                details: ["position": .int(Int(position))])
        }
        return position
    }
}
