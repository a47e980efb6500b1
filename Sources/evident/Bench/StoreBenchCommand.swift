import ArgumentParser
import Evident
import EvidentSQLite
import Foundation

/// The storage benchmark: the same four workloads as the peers in `shared/peers`, each on a fresh SQLite
/// file with the store's durability settings (WAL, `synchronous=FULL`), one JSON line per workload.
struct StoreBenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "store",
        abstract: "Benchmark the SQLite store: appends, batched appends, aggregate loads, log reads.",
        discussion: """
            Workloads: a) single-event appends over 100 streams with exact expected versions, at --concurrency \
            appenders; b) appends of 100 events to new streams; d) reading the whole log from position 0 in pages \
            of 1,000; c) loading a 10,000-event bank account by folding it (median of 20 loads). With --baseline, \
            plain SQLite inserts with the same pragmas (one transaction per row, and one for all rows) run in the \
            same process for comparison. Build with -c release to measure.
            """)

    @Option(help: "Concurrent appenders in workload a.")
    var concurrency = 1

    @Option(help: "Single-event appends in workload a.")
    var appends = 20_000

    @Option(help: "Workloads to run, comma-separated, in order (a,b,d,c).")
    var workloads = "a,b,d,c"

    @Option(help: "Repeat every workload this many times on fresh files and report the median.")
    var runs = 1

    @Flag(help: "Also measure plain SQLite inserts with the same pragmas.")
    var baseline = false

    @Option(help: "Where to put the temporary database files.")
    var directory = NSTemporaryDirectory()

    func validate() throws {
        guard concurrency >= 1 else { throw ValidationError("--concurrency must be 1 or more.") }
        guard runs >= 1 else { throw ValidationError("--runs must be 1 or more.") }
        guard appends >= 100 else { throw ValidationError("--appends must be 100 or more.") }
        let unknown = selected.filter { !["a", "b", "c", "d"].contains($0) }
        guard unknown.isEmpty else { throw ValidationError("Unknown workload \(unknown[0]); choose from a, b, c, d.") }
    }

    var selected: [String] { workloads.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } }

    func run() async throws {
        var figures: [String: [BenchFigure]] = [:]
        var order: [String] = []
        for _ in 0..<runs {
            for figure in try await runOnce() {
                if figures[figure.name] == nil { order.append(figure.name) }
                figures[figure.name, default: []].append(figure)
            }
        }
        for name in order {
            Output.line(BenchFigure.median(of: figures[name]!).json(runs: runs))
        }
    }

    private func runOnce() async throws -> [BenchFigure] {
        let workspace = try BenchWorkspace(directory: directory)
        let store = try SQLiteEventStore(path: workspace.file("store.sqlite"))
        var figures: [BenchFigure] = []
        for workload in selected {
            switch workload {
            case "a":
                figures.append(try await StoreWorkloads.singleAppends(store, count: appends, concurrency: concurrency))
            case "b": figures.append(try await StoreWorkloads.batchedAppends(store))
            case "d": figures.append(try await StoreWorkloads.readLog(store))
            default: figures.append(try await StoreWorkloads.loadAggregate(store))
            }
        }
        if baseline {
            figures += try SQLiteBaseline.run(path: workspace.file("baseline.sqlite"), rows: appends)
        }
        return figures
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
