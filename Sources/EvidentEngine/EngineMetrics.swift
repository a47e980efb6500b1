import CoreMetrics

/// The engine's metrics, made by the factory its user passes (the server passes its Prometheus registry's;
/// the default drops them).
struct EngineMetrics: Sendable {
    let appendLatency: Timer
    let eventsAppended: Counter
    let foldTime: Timer
    /// The bytes of serialized state the aggregate state cache holds.
    let cacheBytes: Gauge
    private let cacheHits: Counter
    private let cacheMisses: Counter

    init(factory: any MetricsFactory) {
        appendLatency = Timer(label: "evident_append_duration_seconds", factory: factory)
        eventsAppended = Counter(label: "evident_events_appended_total", factory: factory)
        foldTime = Timer(label: "evident_fold_duration_seconds", factory: factory)
        cacheBytes = Gauge(label: "evident_state_cache_bytes", factory: factory)
        cacheHits = Counter(label: "evident_state_cache_total", dimensions: [("result", "hit")], factory: factory)
        cacheMisses = Counter(label: "evident_state_cache_total", dimensions: [("result", "miss")], factory: factory)
    }

    func cacheLookup(hit: Bool) {
        (hit ? cacheHits : cacheMisses).increment()
    }
}
