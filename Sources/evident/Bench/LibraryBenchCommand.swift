import ArgumentParser
import Evident
import EvidentSQLite
import Foundation

/// The library benchmark: loading an aggregate through the repository with and without snapshots, and a
/// catch-up projection and its rebuild into a read model in the same SQLite database.
struct LibraryBenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "library",
        abstract: "Benchmark the library layer: repository loads, snapshots, projections.",
        discussion: """
            Workloads, each on a fresh SQLite file (WAL, synchronous=FULL): load of a 10,000-event aggregate \
            through the repository, replaying every event and from a snapshot taken every 100 events (median of \
            20 loads); a catch-up projection over a --events log into a table of the same database, and its \
            rebuild from zero (events/s). Build with -c release to measure.
            """)

    @Option(help: "Events in the log the projection reads.")
    var events = 100_000

    @Option(help: "Repeat every workload this many times on fresh files and report the median.")
    var runs = 3

    @Option(help: "Where to put the temporary database files.")
    var directory = NSTemporaryDirectory()

    func validate() throws {
        guard runs >= 1 else { throw ValidationError("--runs must be 1 or more.") }
        guard events >= 1_000 else { throw ValidationError("--events must be 1000 or more.") }
    }

    func run() async throws {
        var figures: [String: [BenchFigure]] = [:]
        var order: [String] = []
        for _ in 0..<runs {
            let workspace = try BenchWorkspace(directory: directory)
            let aggregates = try SQLiteEventStore(path: workspace.file("aggregates.sqlite"))
            let log = try SQLiteEventStore(path: workspace.file("log.sqlite"))
            try await LibraryWorkloads.seedLog(log, count: events)
            let run = [
                try await LibraryWorkloads.loadAggregate(aggregates, snapshotEvery: nil),
                try await LibraryWorkloads.loadAggregate(aggregates, snapshotEvery: 100),
                try await LibraryWorkloads.catchUp(log, events: events),
                try await LibraryWorkloads.rebuild(log, events: events),
            ]
            for figure in run {
                if figures[figure.name] == nil { order.append(figure.name) }
                figures[figure.name, default: []].append(figure)
            }
        }
        for name in order {
            Output.line(BenchFigure.median(of: figures[name]!).json(runs: runs))
        }
    }
}
