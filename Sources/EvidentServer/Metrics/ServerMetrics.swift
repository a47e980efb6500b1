import Metrics
import Prometheus

/// The server's metrics, on its own Prometheus registry (so tests and several servers in one process do not
/// share counters); `GET /_metrics` renders it.
final class ServerMetrics: Sendable {
    let registry = PrometheusCollectorRegistry()
    /// Makes the engine's metrics on the same registry.
    let factory: PrometheusMetricsFactory

    init() {
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.defaultDurationHistogramBuckets = [
            .microseconds(100), .microseconds(500), .milliseconds(1), .milliseconds(2), .milliseconds(5),
            .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250),
            .milliseconds(500), .seconds(1),
        ]
        self.factory = factory
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
