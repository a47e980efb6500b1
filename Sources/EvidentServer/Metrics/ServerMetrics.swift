import Metrics
import Prometheus

/// The server's metrics, on its own Prometheus registry (so tests and several servers in one process do not
/// share counters); `GET /_metrics` renders it.
final class ServerMetrics: Sendable {
    let registry = PrometheusCollectorRegistry()
    private let factory: PrometheusMetricsFactory
    let appendLatency: Metrics.Timer
    let eventsAppended: Metrics.Counter
    let foldTime: Metrics.Timer
    /// The bytes of serialized state the aggregate state cache holds.
    let cacheBytes: Metrics.Gauge
    private let cacheHits: Metrics.Counter
    private let cacheMisses: Metrics.Counter

    init() {
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.defaultDurationHistogramBuckets = [
            .microseconds(100), .microseconds(500), .milliseconds(1), .milliseconds(2), .milliseconds(5),
            .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250),
            .milliseconds(500), .seconds(1),
        ]
        self.factory = factory
        appendLatency = Metrics.Timer(label: "evident_append_duration_seconds", factory: factory)
        eventsAppended = Metrics.Counter(label: "evident_events_appended_total", factory: factory)
        foldTime = Metrics.Timer(label: "evident_fold_duration_seconds", factory: factory)
        cacheBytes = Metrics.Gauge(label: "evident_state_cache_bytes", factory: factory)
        cacheHits = Metrics.Counter(
            label: "evident_state_cache_total", dimensions: [("result", "hit")], factory: factory)
        cacheMisses = Metrics.Counter(
            label: "evident_state_cache_total", dimensions: [("result", "miss")], factory: factory)
    }

    func cacheLookup(hit: Bool) {
        (hit ? cacheHits : cacheMisses).increment()
    }

    /// Counts a request by route (the route pattern, not the path) and status.
    func request(route: String, status: Int) {
        Metrics.Counter(
            label: "evident_http_requests_total", dimensions: [("route", route), ("status", String(status))],
            factory: factory
        ).increment()
    }

    /// The Prometheus text exposition.
    func render() -> [UInt8] {
        registry.emitToBuffer()
    }
}

extension Duration {
    /// The duration in whole nanoseconds.
    var nanoseconds: Int64 {
        components.seconds * 1_000_000_000 + components.attoseconds / 1_000_000_000
    }
}
