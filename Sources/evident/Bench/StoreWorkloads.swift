import Evident
import Foundation

/// The workloads of `evident bench store`, shaped like `shared/peers/bench_eventsourcing.py`.
enum StoreWorkloads {
    /// The event of index `index` in `stream`, as a workload writes it.
    typealias Events = @Sendable (_ index: Int, _ stream: StreamName) -> NewEvent

    /// The workloads' event: an account credited.
    static let credited: Events = { index, _ in NewEvent(type: "was_credited", data: ["amount": .int(index % 100 + 1)])
    }

    /// The event of ``credited`` with three more fields (the customer's name, email and IBAN), personal data of
    /// the stream's customer when `personal` (for a ``PrivacyEventStore`` to seal).
    static func customerCredited(personal: Bool) -> Events {
        { index, stream in
            var event = NewEvent(
                type: "was_credited",
                data: [
                    "amount": .int(index % 100 + 1), "name": .string("Customer \(stream.id)"),
                    "email": .string("customer-\(stream.id)@example.com"),
                    "iban": .string("NO93 8601 1117 \(1_000 + index % 9_000)"),
                ])
            if personal {
                event.personalData = PersonalData(
                    subject: "customer-\(stream.id)",
                    fields: [
                        PersonalField(path: ["name"]), PersonalField(path: ["email"]), PersonalField(path: ["iban"]),
                    ])
            }
            return event
        }
    }

    /// a) `count` single-event appends over 100 streams round-robin, each with an exact expected version.
    /// Each appender owns its own streams (stream `s` belongs to appender `s % concurrency`; with more than
    /// 100 appenders there are as many streams as appenders), so expectations always hold and no time goes to
    /// conflicts.
    static func singleAppends(
        _ store: any EventStore, count: Int, concurrency: Int, events: @escaping Events = credited, variant: String = ""
    ) async throws -> BenchFigure {
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
                            try await store.append(
                                [events(index, owned[slot])], to: owned[slot], expectedVersion: .exact(lengths[slot]))
                            lengths[slot] += 1
                        }
                    }
                }
                try await group.waitForAll()
            }
        }
        return BenchFigure(
            name: "a_single_appends" + variant, events: count, seconds: seconds,
            details: ["concurrency": .int(concurrency)])
    }

    /// b) 200 appends of 100 events each to new streams.
    static func batchedAppends(_ store: any EventStore, events: Events = credited, variant: String = "") async throws
        -> BenchFigure
    {
        let batches = try (0..<200).map { batch in
            let stream = try StreamName("account:b\(batch)")
            return (stream, (0..<100).map { events($0, stream) })
        }
        let (_, seconds) = try await measure {
            for (stream, events) in batches {
                try await store.append(events, to: stream, expectedVersion: .noStream)
            }
        }
        return BenchFigure(
            name: "b_batched_appends" + variant, events: 20_000, seconds: seconds, details: ["batch_size": 100])
    }

    /// d) read the whole log from position 0 in pages of 1,000, decoded; median of 5 reads.
    static func readLog(_ store: any EventStore, variant: String = "") async throws -> BenchFigure {
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
        return BenchFigure(
            name: "d_read_log" + variant, events: median.0, seconds: median.1, details: ["page_size": 1_000])
    }

    /// v) write events in appends of 1,000 to new streams until the log holds `count`, then walk the whole hash
    /// chain from position 0 as `evident verify` does; median of 3 walks.
    static func verifyChain(_ store: any EventStore & VerifiableStore, count: Int) async throws -> BenchFigure {
        var written = Int(try await store.headPosition())
        while written < count {
            let stream = try StreamName("account:v\(written)")
            let size = min(1_000, count - written)
            try await store.append((0..<size).map { credited($0, stream) }, to: stream, expectedVersion: .noStream)
            written += size
        }
        var timings: [(Int, Double)] = []
        for _ in 0..<3 {
            timings.append(
                try await measure {
                    switch try await LogVerifier.verify(store) {
                    case .success(let verified): return verified.events
                    case .failure(let tampering): throw EventStoreError.invalidArgument("\(tampering)")
                    }
                })
        }
        let median = timings.sorted { $0.1 < $1.1 }[1]
        return BenchFigure(name: "v_verify_chain", events: median.0, seconds: median.1, details: ["walks": 3])
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
