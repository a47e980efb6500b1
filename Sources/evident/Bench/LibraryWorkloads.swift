import Evident
import EvidentSQLite
import Foundation
import GRDB

/// The workloads of `evident bench library`.
enum LibraryWorkloads {
    /// Loads a 10,000-event account through a ``Repository`` (typed events decoded, folded by a decider);
    /// with `snapshotEvery`, the events are written through the repository so it snapshots as it goes.
    static func loadAggregate(_ store: SQLiteEventStore, snapshotEvery: Int?) async throws -> BenchFigure {
        let id = "load-\(UUID().uuidString.lowercased())"
        let plain = Repository(store: store, decider: BenchAccount(), category: "account")
        let accounts =
            snapshotEvery.map {
                Repository(
                    store: store, decider: BenchAccount(), category: "account", snapshots: store,
                    policy: SnapshotPolicy(every: $0))
            } ?? plain
        for chunk in 0..<100 {
            let amounts = (0..<100).map { chunk * 100 + $0 % 50 + 1 }
            try await accounts.handle(amounts, for: id)
        }
        var timings: [Double] = []
        var loaded = LoadedAggregate(state: BenchAccount.State(), version: 0, snapshotVersion: nil)
        for _ in 0..<20 {
            let (result, seconds) = try await measure { try await accounts.load(id) }
            loaded = result
            timings.append(seconds)
        }
        precondition(loaded.version == 10_000, "the account has \(loaded.version) events")
        let median = timings.sorted()[timings.count / 2]
        let name = snapshotEvery == nil ? "load_aggregate_replay" : "load_aggregate_snapshot"
        var details: [String: JSON] = ["loads": 20, "balance": .int(loaded.state.balance)]
        if let snapshotEvery {
            details["snapshot_every"] = .int(snapshotEvery)
            details["snapshot_version"] = .int(loaded.snapshotVersion ?? 0)
        }
        return BenchFigure(name: name, events: 10_000, seconds: median, milliseconds: median * 1_000, details: details)
    }

    /// Appends `count` events over 100 account streams, in appends of 1,000 events.
    static func seedLog(_ store: SQLiteEventStore, count: Int) async throws {
        for batch in stride(from: 0, to: count, by: 1_000) {
            let events = try (batch..<min(count, batch + 1_000)).map { index in
                try BenchAccountEvent.credited(Credited(amount: index % 100 + 1)).newEvent()
            }
            try await store.append(events, to: StreamName("ledger:\(batch / 1_000 % 100)"))
        }
    }

    /// A catch-up projection over the whole log into a table of the same database (from checkpoint 0).
    static func catchUp(_ store: SQLiteEventStore, events: Int) async throws -> BenchFigure {
        let runner = store.projectionRunner(for: BenchBalances())
        let (checkpoint, seconds) = try await measure { try await runner.catchUp() }
        precondition(checkpoint == Int64(events), "the projection stopped at \(checkpoint)")
        return BenchFigure(name: "projection_catch_up", events: events, seconds: seconds, details: ["page_size": 1_000])
    }

    /// A rebuild of the same projection: empty the table and the checkpoint, project the whole log again.
    static func rebuild(_ store: SQLiteEventStore, events: Int) async throws -> BenchFigure {
        let runner = store.projectionRunner(for: BenchBalances())
        let (checkpoint, seconds) = try await measure { try await runner.rebuild() }
        precondition(checkpoint == Int64(events), "the rebuild stopped at \(checkpoint)")
        return BenchFigure(name: "projection_rebuild", events: events, seconds: seconds, details: ["page_size": 1_000])
    }
}

struct Credited: DomainEvent {
    static let eventType = "was_credited"
    var amount: Int
}

enum BenchAccountEvent: EventFamily {
    case credited(Credited)

    static let registry = EventRegistry<BenchAccountEvent>().register(Credited.self, as: BenchAccountEvent.credited)

    var payload: any DomainEvent {
        switch self {
        case .credited(let event): event
        }
    }
}

/// A bank account decider whose command is a list of amounts to credit.
struct BenchAccount: Decider {
    struct State: Codable, Sendable {
        var balance = 0
        var transactions = 0
    }

    var initialState: State { State() }

    func decide(_ amounts: [Int], _ state: State) throws -> [BenchAccountEvent] {
        amounts.map { .credited(Credited(amount: $0)) }
    }

    func evolve(_ state: State, _ event: BenchAccountEvent) -> State {
        var state = state
        switch event {
        case .credited(let credited): state.balance += credited.amount
        }
        state.transactions += 1
        return state
    }
}

/// Balance and event count per stream, upserted once per event.
struct BenchBalances: SQLiteProjection {
    let name = "bench-balances"

    func prepare(_ db: Database) throws {
        try db.execute(
            sql:
                "CREATE TABLE IF NOT EXISTS bench_balances (stream TEXT PRIMARY KEY, balance INTEGER NOT NULL, events INTEGER NOT NULL)"
        )
    }

    func apply(_ event: RecordedEvent, in db: Database) throws {
        let statement = try db.cachedStatement(
            sql: """
                INSERT INTO bench_balances (stream, balance, events) VALUES (?, ?, 1)
                ON CONFLICT (stream) DO UPDATE SET balance = balance + excluded.balance, events = events + 1
                """)
        try statement.execute(arguments: [event.stream.description, Int(event.data["amount"]?.number ?? 0)])
    }

    func reset(_ db: Database) throws {
        try db.execute(sql: "DELETE FROM bench_balances")
    }
}
