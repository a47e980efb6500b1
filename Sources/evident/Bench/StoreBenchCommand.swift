import ArgumentParser
import Evident
import EvidentPostgres
import EvidentSQLite
import Foundation

/// The storage benchmark: the same four workloads as the peers in `shared/peers`, one JSON line per workload,
/// each run on a fresh SQLite file with the store's durability settings (WAL, `synchronous=FULL`), or in a
/// fresh schema of the PostgreSQL database that `--store` names.
struct StoreBenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "store",
        abstract: "Benchmark the store: appends, batched appends, aggregate loads, log reads.",
        discussion: """
            Workloads: a) single-event appends over 100 streams with exact expected versions, at --concurrency \
            appenders; b) appends of 100 events to new streams; d) reading the whole log from position 0 in pages \
            of 1,000; c) loading a 10,000-event bank account by folding it (median of 20 loads); v) on request, \
            walking the hash chain of a log of --verify-events events as `evident verify` does. With --baseline, \
            plain inserts of --appends rows (one transaction per row, and one transaction for all rows) run in the \
            same process for comparison: into SQLite with the same pragmas, or into PostgreSQL on the same \
            connections and settings, in a schema of their own. Each run uses a fresh SQLite file in --directory; \
            with a PostgreSQL --store, a fresh schema of that database, dropped afterwards (the URL's own schema is \
            not touched). --compare-hash-chain also runs a and b on a SQLite store that keeps no hash chain; \
            --personal-data runs b and d on events with three more fields, once plain and once as personal data \
            sealed by a PrivacyEventStore (with a master key): what each costs, measured in the same run. Build \
            with -c release to measure.
            """)

    @OptionGroup var store: StoreLocationOptions

    @Option(help: "Concurrent appenders in workload a.")
    var concurrency = 1

    @Option(help: "Single-event appends in workload a.")
    var appends = 20_000

    @Option(help: "Workloads to run, comma-separated, in order (a,b,d,c; v on request).")
    var workloads = "a,b,d,c"

    @Option(help: "How many events workload v verifies (it appends what the log lacks).")
    var verifyEvents = 1_000_000

    @Option(help: "Repeat every workload this many times on fresh files and report the median.")
    var runs = 1

    @Flag(help: "Also measure plain inserts into the same kind of database with the same settings.")
    var baseline = false

    @Flag(help: "Also run workloads a and b with the hash chain off (SQLite only; benchmark stores only).")
    var compareHashChain = false

    @Flag(help: "Also run workloads b and d with three fields more per event, plain and as personal data.")
    var personalData = false

    @Option(help: "Where to put the temporary SQLite database files.")
    var directory = NSTemporaryDirectory()

    func validate() throws {
        guard concurrency >= 1 else { throw ValidationError("--concurrency must be 1 or more.") }
        guard runs >= 1 else { throw ValidationError("--runs must be 1 or more.") }
        guard appends >= 100 else { throw ValidationError("--appends must be 100 or more.") }
        let unknown = selected.filter { !["a", "b", "c", "d", "v"].contains($0) }
        guard unknown.isEmpty else {
            throw ValidationError("Unknown workload \(unknown[0]); choose from a, b, c, d, v.")
        }
        guard verifyEvents >= 1 else { throw ValidationError("--verify-events must be 1 or more.") }
    }

    var selected: [String] { workloads.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } }

    func run() async throws {
        let location = try store.resolve()
        if compareHashChain, case .postgres = location {
            throw ValidationError(
                "--compare-hash-chain is for SQLite: PostgreSQL computes the chain in its append function.")
        }
        var figures: [String: [BenchFigure]] = [:]
        var order: [String] = []
        var durability = BenchFigure.sqliteDurability
        for _ in 0..<runs {
            let run = try await runOnce(like: location)
            durability = run.durability
            for figure in run.figures {
                if figures[figure.name] == nil { order.append(figure.name) }
                figures[figure.name, default: []].append(figure)
            }
        }
        for name in order {
            Output.line(BenchFigure.median(of: figures[name]!).json(runs: runs, durability: durability))
        }
    }

    /// One run of the selected workloads (and the baseline) on a fresh store of the same kind as `location`,
    /// and how that store commits.
    private func runOnce(like location: StoreLocation) async throws -> (figures: [BenchFigure], durability: JSON) {
        switch location {
        case .sqlite:
            let workspace = try BenchWorkspace(directory: directory)
            if compareHashChain || personalData {
                // The first workloads of a process ran 10–20 % slower than the same ones after them (an A/A run of
                // the chain comparison with the chain on in both showed it): warm up on a throwaway store, so that
                // the comparisons below are not decided by their order.
                let warmUp = try SQLiteEventStore(path: workspace.file("warm-up.sqlite"))
                _ = try await StoreWorkloads.singleAppends(warmUp, count: 2_000, concurrency: concurrency)
                _ = try await StoreWorkloads.batchedAppends(warmUp)
                await warmUp.close()
            }
            var figures = try await StoreLocation.sqlite(path: workspace.file("store.sqlite")).withStore(
                creating: true
            ) { try await runWorkloads(on: $0.store) }
            if compareHashChain {
                var configuration = SQLiteEventStoreConfiguration()
                configuration.benchmarkWithoutHashChain = true
                let unchained = try SQLiteEventStore(
                    path: workspace.file("unchained.sqlite"), configuration: configuration)
                figures += try await runWorkloads(on: unchained, only: ["a", "b"], variant: "_without_hash_chain")
                await unchained.close()
            }
            if personalData {
                for personal in [false, true] {
                    let base = try SQLiteEventStore(path: workspace.file("personal-\(personal).sqlite"))
                    figures += try await runPersonalWorkloads(on: base, personal: personal)
                    await base.close()
                }
            }
            if baseline {
                figures += try SQLiteBaseline.run(path: workspace.file("baseline.sqlite"), rows: appends)
            }
            return (figures, BenchFigure.sqliteDurability)
        case .postgres(var configuration):
            configuration.schema = "evident_bench_\(UUID().uuidString.lowercased().filter(\.isHexDigit).prefix(16))"
            return try await StoreLocation.postgres(configuration).withStore(creating: true) { opened in
                guard case .postgres(let store) = opened else {
                    preconditionFailure("a PostgreSQL URL opens PostgreSQL")
                }
                var figures = try await store.droppingSchema { try await runWorkloads(on: store) }
                if personalData {
                    for personal in [false, true] {
                        var fresh = store.configuration
                        fresh.schema += personal ? "_personal" : "_plain"
                        let base = try await PostgresEventStore.connect(fresh)
                        figures += try await base.droppingSchema {
                            try await runPersonalWorkloads(on: base, personal: personal)
                        }
                        await base.close()
                    }
                }
                if baseline { figures += try await PostgresBaseline.run(store, rows: appends) }
                return (figures, try await BenchFigure.postgresDurability(of: store))
            }
        }
    }

    /// Runs the selected workloads (of `only`, when given) on `store`, naming figures with `variant` at the end.
    private func runWorkloads(on store: any EventStore, only: Set<String>? = nil, variant: String = "") async throws
        -> [BenchFigure]
    {
        var figures: [BenchFigure] = []
        for workload in selected where only?.contains(workload) ?? true {
            switch workload {
            case "a":
                figures.append(
                    try await StoreWorkloads.singleAppends(
                        store, count: appends, concurrency: concurrency, variant: variant))
            case "b": figures.append(try await StoreWorkloads.batchedAppends(store, variant: variant))
            case "d": figures.append(try await StoreWorkloads.readLog(store, variant: variant))
            case "v":
                guard let verifiable = store as? any EventStore & VerifiableStore else { continue }
                figures.append(try await StoreWorkloads.verifyChain(verifiable, count: verifyEvents))
            default: figures.append(try await StoreWorkloads.loadAggregate(store))
            }
        }
        return figures
    }

    /// Workloads b and d on events with three more fields, personal data sealed by a privacy store over `base`
    /// when `personal`, plain otherwise.
    private func runPersonalWorkloads(on base: any EventStore & SubjectKeyStore, personal: Bool) async throws
        -> [BenchFigure]
    {
        let masterKey = try MasterKey(text: LogChain.hex((0..<32).map { _ in UInt8.random(in: 0...255) }))
        let store: any EventStore = personal ? PrivacyEventStore(base, masterKey: masterKey) : base
        let variant = personal ? "_3_personal_fields" : "_3_plain_fields"
        return [
            try await StoreWorkloads.batchedAppends(
                store, events: StoreWorkloads.customerCredited(personal: personal), variant: variant),
            try await StoreWorkloads.readLog(store, variant: variant),
        ]
    }
}

extension PostgresEventStore {
    /// Runs `body`, then drops the store's schema and everything in it, also when `body` throws: a benchmark
    /// run's fresh schema.
    fileprivate func droppingSchema<T>(after body: () async throws -> T) async throws -> T {
        // The schema's name is an identifier `PostgresStoreConfiguration` checked or the benchmark made.
        let drop = "DROP SCHEMA \(configuration.schema) CASCADE"
        do {
            let result = try await body()
            try await execute(unsafeSQL: drop)
            return result
        } catch {
            try? await execute(unsafeSQL: drop)
            throw error
        }
    }
}

/// A temporary directory for one benchmark run, removed afterwards.
final class BenchWorkspace {
    let path: String

    init(directory: String) throws {
        path = (directory as NSString).appendingPathComponent("evident-bench-\(UUID().uuidString)")
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    func file(_ name: String) -> String { (path as NSString).appendingPathComponent(name) }

    deinit { try? FileManager.default.removeItem(atPath: path) }
}
