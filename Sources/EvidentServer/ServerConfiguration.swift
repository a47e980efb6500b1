/// How an Evident server behaves. Every setting has a documented default.
public struct ServerConfiguration: Sendable {
    /// The address to listen on. Without any API key, the server listens on loopback only, whatever this says.
    public var host = "127.0.0.1"
    /// The port to listen on; 0 picks a free one.
    public var port = 8080
    /// The largest request body accepted, in bytes; larger ones get 413.
    public var maximumBodySize = 1 << 20
    /// How many aggregate states the cache keeps.
    public var stateCacheCapacity = 10_000
    /// The longest a live feed stays silent before it sends a heartbeat comment.
    public var heartbeatInterval: Duration = .seconds(15)
    /// The most events `GET /_log` and `GET /{type}/{id}/events` return at once.
    public var maximumPageSize = 1_000
    /// The most streams a `PUT /_spec?dry_run=true` folds before it reports a sample.
    public var dryRunStreamLimit = 10_000

    public init() {}
}
