import Evident
import Foundation
import HTTPTypes
import Hummingbird
import Synchronization

/// Requests per minute for each key (or, for a request without one, each client address), counted apart for
/// reads (`GET`) and writes (every other method): ``ServerConfiguration/RateLimits``.
///
/// Fixed windows of one minute, keyed by the minute the clock is in: a client may send up to its limit in each
/// calendar minute, so up to twice the limit across the turn of a minute. The count of the minute before is
/// dropped when the clock enters a new one, so memory holds one minute's clients, and at most
/// ``maximumBuckets`` of them: past it, clients not yet seen this minute share one count. Each server process
/// counts on its own: with several nodes behind a load balancer, a client may send up to the limit to each.
final class RateLimiter: Sendable {
    /// Which limit a request counts against.
    enum Kind: String, Sendable {
        case read
        case write

        init(_ method: HTTPRequest.Method) {
            self = method == .get || method == .head ? .read : .write
        }
    }

    /// A request counted against a limit: whether it was let through, and what its answer's headers say.
    struct Outcome: Sendable, Equatable {
        var kind: Kind
        var limit: Int
        /// Requests left in this minute after this one.
        var remaining: Int
        var allowed: Bool
        /// Seconds until the minute ends (and the count starts over).
        var resetAfter: Int
    }

    /// The length of a window, in seconds.
    static let window = 60
    /// The most clients counted apart in one minute.
    let maximumBuckets: Int
    let limits: ServerConfiguration.RateLimits
    private let counts = Mutex(Counts())

    private struct Counts {
        var minute = Int.min
        var requests: [Bucket: Int] = [:]
    }

    private struct Bucket: Hashable {
        var client: String
        var kind: Kind
    }

    init(limits: ServerConfiguration.RateLimits, maximumBuckets: Int = 100_000) {
        self.limits = limits
        self.maximumBuckets = maximumBuckets
    }

    /// Counts one request of `kind` by `client` at `now`; nil when that kind has no limit.
    func count(_ kind: Kind, client: String, at now: Date) -> Outcome? {
        guard let limit = kind == .read ? limits.readsPerMinute : limits.writesPerMinute else { return nil }
        let seconds = Int(now.timeIntervalSince1970.rounded(.down))
        let minute = seconds >= 0 ? seconds / Self.window : (seconds - Self.window + 1) / Self.window
        let resetAfter = (minute + 1) * Self.window - seconds
        return counts.withLock { counts in
            if counts.minute != minute {
                counts.minute = minute
                counts.requests.removeAll()
            }
            var bucket = Bucket(client: client, kind: kind)
            if counts.requests[bucket] == nil, counts.requests.count >= maximumBuckets {
                bucket.client = ""
            }
            let used = counts.requests[bucket, default: 0]
            guard used < limit else {
                return Outcome(kind: kind, limit: limit, remaining: 0, allowed: false, resetAfter: resetAfter)
            }
            counts.requests[bucket] = used + 1
            return Outcome(kind: kind, limit: limit, remaining: limit - used - 1, allowed: true, resetAfter: resetAfter)
        }
    }
}

extension RateLimiter.Outcome {
    /// `X-RateLimit-Limit`, `X-RateLimit-Remaining` and `X-RateLimit-Scope`, on every answer to a counted request.
    func addHeaders(to headers: inout HTTPFields) {
        headers[.rateLimitLimit] = String(limit)
        headers[.rateLimitRemaining] = String(remaining)
        headers[.rateLimitScope] = kind.rawValue
    }

    /// The 429 answer to a request past its limit, as j17 gives it.
    var refusal: Response {
        var response = Response.json(
            [
                "ok": false, "error": "Rate limit exceeded", "scope": .string(kind.rawValue), "limit": .int(limit),
                "window": .int(RateLimiter.window),
            ], status: .tooManyRequests)
        addHeaders(to: &response.headers)
        response.headers[.retryAfter] = String(resetAfter)
        return response
    }
}

extension HTTPField.Name {
    static let rateLimitLimit = HTTPField.Name("X-RateLimit-Limit")!
    static let rateLimitRemaining = HTTPField.Name("X-RateLimit-Remaining")!
    static let rateLimitScope = HTTPField.Name("X-RateLimit-Scope")!
}
