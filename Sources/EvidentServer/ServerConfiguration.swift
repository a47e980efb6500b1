public import EvidentSpec
public import Foundation

/// How an Evident server behaves. Every setting has a documented default; docs/security.md lists the limits.
public struct ServerConfiguration: Sendable {
    /// The address to listen on. Without any API key, the server listens on loopback only, whatever this says.
    public var host = "127.0.0.1"
    /// The port to listen on; 0 picks a free one.
    public var port = 8080
    /// The largest request body accepted, in bytes; larger ones get 413.
    public var maximumBodySize = 1 << 20
    /// The most bytes (serialized JSON) the cache of aggregate states holds; the least recently used states
    /// are dropped first. 256 MiB.
    public var stateCacheBytes = 256 << 20
    /// The longest a live feed stays silent before it sends a heartbeat comment.
    public var heartbeatInterval: Duration = .seconds(15)
    /// The most events `GET /_log` and `GET /{type}/{id}/events` return at once.
    public var maximumPageSize = 1_000
    /// The most streams a `PUT /_spec?dry_run=true` folds before it reports a sample.
    public var dryRunStreamLimit = 10_000
    /// The bounds on the work one event may cause (pattern matching, state size, implied events, handler
    /// steps); every spec the server runs is compiled with them.
    public var specLimits = SpecLimits.standard
    /// How long one request's work may run; past it the work stops and the request is answered 503. 10 s.
    /// Live feeds (`/_log/stream`) are not requests' work: they run until the client or the server leaves.
    public var requestTimeout: Duration = .seconds(10)
    /// How long a request's head (request line and headers) may take to arrive once its first byte has. 10 s.
    public var headerTimeout: Duration = .seconds(10)
    /// How long a connection may wait for its next request before it is closed. 60 s.
    public var idleTimeout: Duration = .seconds(60)
    /// The most connections open at once; past it, a new connection closes the one idle the longest. 1,000,
    /// lowered at start to what the process's file limit allows.
    public var maximumConnections = 1_000
    /// How long SIGTERM waits for requests in progress before it cancels them. 5 s.
    public var shutdownGracePeriod: Duration = .seconds(5)

    /// Whether the server serves the web console at `/_console/` (docs/console.md). By default it does when it
    /// listens on loopback only.
    public var console = Console.onLoopback

    /// When the web console is served. It is static files that hold no data: everything it shows comes from the
    /// API, with the key and scope of the person using it.
    public enum Console: String, Sendable, CaseIterable {
        /// Served when the server listens on loopback (`127.0.0.1`, `::1`, `localhost`).
        case onLoopback = "loopback"
        /// Always served.
        case on
        /// Never served: `/_console/` is 404.
        case off

        /// Whether a server listening on loopback (or not) serves it.
        public func isServed(onLoopback loopback: Bool) -> Bool {
            switch self {
            case .onLoopback: loopback
            case .on: true
            case .off: false
            }
        }
    }

    /// Whether the server answers `GET` and `POST /_bench/floor?bytes=N` with a constant body of N bytes: the
    /// floor `scripts/bench-http.sh` measures the API against (the same server, doing no work). Off by default.
    public var benchmarkFloor = false

    /// Requests per minute each key may send, apart for reads and writes (a request without a key counts
    /// against its client's address); past it, 429. Off by default.
    public var rateLimits = RateLimits()

    /// Limits on requests per minute, counted per key (or client address) and per server process, in fixed
    /// windows of one calendar minute. nil: no limit.
    public struct RateLimits: Sendable, Hashable {
        /// `GET` (and `HEAD`) requests per minute.
        public var readsPerMinute: Int?
        /// Requests of every other method (appends, a batch counting as one, spec and key changes) per minute.
        public var writesPerMinute: Int?

        public init(readsPerMinute: Int? = nil, writesPerMinute: Int? = nil) {
            self.readsPerMinute = readsPerMinute
            self.writesPerMinute = writesPerMinute
        }

        /// Whether any limit is set.
        public var isEnabled: Bool { readsPerMinute != nil || writesPerMinute != nil }
    }

    /// The origins whose pages may call the API from a browser (CORS): each as the browser sends it in
    /// `Origin`, such as `https://app.example.com`, or `*` for any. Empty (the default): no CORS headers, and a
    /// preflight is refused like any unknown route.
    public var corsOrigins: [String] = []

    /// The time scheduled key revocations, keys' last use, rate-limit windows and new events are measured by;
    /// the system clock, but for tests, which move it instead of waiting.
    public var clock: @Sendable () -> Date = Date.init

    public init() {}
}
