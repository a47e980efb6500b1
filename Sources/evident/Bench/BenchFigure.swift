import Evident
import EvidentPostgres

/// One measured workload.
struct BenchFigure {
    var name: String
    var events: Int
    var seconds: Double
    /// For latency workloads: the median milliseconds of one operation.
    var milliseconds: Double?
    var details: [String: JSON] = [:]

    var eventsPerSecond: Double { Double(events) / seconds }

    static let sqliteDurability: JSON = ["store": "sqlite", "journal_mode": "wal", "synchronous": "full"]

    /// PostgreSQL commits as the server is configured: its `synchronous_commit` and `fsync`, as it reports them.
    static func postgresDurability(of store: PostgresEventStore) async throws -> JSON {
        var durability: [String: JSON] = ["store": "postgresql"]
        for (name, setting) in try await store.serverSettings(["synchronous_commit", "fsync"]) {
            durability[name] = .string(setting)
        }
        return .object(durability)
    }

    /// The figure as one JSON line; `durability` says how the store committed (by default: SQLite's settings).
    func json(runs: Int, durability: JSON = BenchFigure.sqliteDurability) -> JSON {
        var object = details
        object["workload"] = .string(name)
        object["events"] = .int(events)
        object["seconds"] = .double((seconds * 1e4).rounded() / 1e4)
        object["events_per_second"] = .int(Int(eventsPerSecond.rounded()))
        if let milliseconds { object["median_ms"] = .double((milliseconds * 1e3).rounded() / 1e3) }
        object["runs"] = .int(runs)
        object["durability"] = durability
        return .object(object)
    }

    /// The run with the median rate (or median latency).
    static func median(of figures: [BenchFigure]) -> BenchFigure {
        let sorted = figures.sorted {
            ($0.milliseconds ?? -$0.eventsPerSecond) < ($1.milliseconds ?? -$1.eventsPerSecond)
        }
        return sorted[sorted.count / 2]
    }
}

/// Times `body` with the monotonic clock.
func measure<T>(_ body: () async throws -> T) async rethrows -> (T, Double) {
    let clock = ContinuousClock()
    let start = clock.now
    let value = try await body()
    let elapsed = clock.now - start
    return (value, Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
}
