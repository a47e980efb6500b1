import Evident
import Foundation

/// The workloads of `evident bench store`, shaped like `shared/peers/bench_eventsourcing.py`.
enum StoreWorkloads {
    /// a) `count` single-event appends over 100 streams round-robin, each with an exact expected version.
    /// Each appender owns its own streams (stream `s` belongs to appender `s % concurrency`; with more than
    /// 100 appenders there are as many streams as appenders), so expectations always hold and no time goes to
    /// conflicts.
    static func singleAppends(_ store: any EventStore, count: Int, concurrency: Int) async throws -> BenchFigure {
        let streams = try (0..<max(100, concurrency)).map { try StreamName("account:a\($0)") }
        let (_, seconds) = try await measure {
            try await withThrowingTaskGroup(of: Void.self) { group in
                for appender in 0..<concurrency {
                    let owned = stride(from: appender, to: streams.count, by: concurrency).map { streams[$0] }
                    let share = count / concurrency + (appender < count % concurrency ? 1 : 0)
                    group.addTask {
                        var lengths = [Int](repeating: 0, count: owned.count)
                        for index in 0..<share {
                            let slot = index % owned.count
                            let event = NewEvent(type: "was_credited", data: ["amount": .int(index % 100 + 1)])
                            try await store.append([event], to: owned[slot], expectedVersion: .exact(lengths[slot]))
                            lengths[slot] += 1
                        }
                    }
                }
                try await group.waitForAll()
            }
        }
        return BenchFigure(
            name: "a_single_appends", events: count, seconds: seconds, details: ["concurrency": .int(concurrency)])
    }

    /// b) 200 appends of 100 events each to new streams.
    static func batchedAppends(_ store: any EventStore) async throws -> BenchFigure {
        let batches = try (0..<200).map { batch in
            (
                try StreamName("account:b\(batch)"),
                (0..<100).map { NewEvent(type: "was_credited", data: ["amount": .int($0 + 1)]) }
            )
        }
        let (_, seconds) = try await measure {
            for (stream, events) in batches {
                try await store.append(events, to: stream, expectedVersion: .noStream)
            }
        }
        return BenchFigure(name: "b_batched_appends", events: 20_000, seconds: seconds, details: ["batch_size": 100])
    }

    /// d) read the whole log from position 0 in pages of 1,000, decoded; median of 5 reads.
    static func readLog(_ store: any EventStore) async throws -> BenchFigure {
        var timings: [(Int, Double)] = []
        for _ in 0..<5 {
            timings.append(
                try await measure {
                    var cursor: Int64 = 0
                    var count = 0
                    while true {
                        let page = try await store.readLog(after: cursor, filter: .all, limit: 1_000)
                        guard let last = page.last else { return count }
                        count += page.count
                        cursor = last.position
                    }
                })
        }
        let median = timings.sorted { $0.1 < $1.1 }[timings.count / 2]
        return BenchFigure(name: "d_read_log", events: median.0, seconds: median.1, details: ["page_size": 1_000])
    }

    /// c) load a 10,000-event bank account by folding its events through a decider; median of 20 loads.
    static func loadAggregate(_ store: any EventStore) async throws -> BenchFigure {
        let stream = try StreamName("account:c-\(UUID())")
        for chunk in 0..<10 {
            let events = (0..<1_000).map { index in
                NewEvent(
                    type: index.isMultiple(of: 3) ? "was_debited" : "was_credited",
                    data: ["amount": .int(chunk * 1_000 + index % 50 + 1)])
            }
            try await store.append(events, to: stream)
        }
        var timings: [Double] = []
        var balance = 0
        for _ in 0..<20 {
            let (account, seconds) = try await measure {
                try await store.readStream(stream).reduce(BankAccount.initialState, BankAccount.evolve)
            }
            balance = account.balance
            timings.append(seconds)
        }
        let median = timings.sorted()[timings.count / 2]
        return BenchFigure(
            name: "c_load_aggregate", events: 10_000, seconds: median, milliseconds: median * 1_000,
            details: ["loads": 20, "final_balance": .int(balance)])
    }
}

/// The bank account of workload c, as a decider's state and `evolve`.
enum BankAccount {
    struct State {
        var balance = 0
        var transactions = 0
    }

    static let initialState = State()

    static func evolve(_ state: State, _ event: RecordedEvent) -> State {
        var state = state
        let amount = Int(event.data["amount"]?.number ?? 0)
        switch event.type {
        case "was_credited": state.balance += amount
        case "was_debited": state.balance -= amount
        default: break
        }
        state.transactions += 1
        return state
    }
}
