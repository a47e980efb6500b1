import ArgumentParser
import Evident
import EvidentEngine
import EvidentSQLite
import Foundation

/// The projection benchmark (issue 12): reading one projection row against reading one aggregate's state, and
/// listing 1,000 rows, with many aggregates stored.
struct ProjectionBenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "projections",
        abstract: "Benchmark projections: building one, reading a row, reading a state, listing 1,000 rows.",
        discussion: """
            On a fresh SQLite file: 1,000 customers and --aggregates orders, each order naming a customer; a \
            projection with one row per order joins it with its customer. Measured: the first read (which builds \
            the rows in memory), the median of 1,000 reads of one row and of 1,000 reads of one order's state \
            (random ids, through the engine, states cached), and the median of 20 listings of 1,000 rows from a \
            random cursor. Build with -c release to measure.
            """)

    @Option(help: "Orders stored (one row each).")
    var aggregates = 100_000

    @Option(help: "Repeat every workload this many times on fresh files and report the median.")
    var runs = 3

    @Option(help: "Where to put the temporary database files.")
    var directory = NSTemporaryDirectory()

    static let spec: JSON = [
        "agent_types": ["user"],
        "aggregate_types": [
            "customer": [
                "events": ["was_registered": ["schema": [:], "handler": ["merge": ["target": "", "value": "$.data"]]]]
            ],
            "order": [
                "events": ["was_placed": ["schema": [:], "handler": ["merge": ["target": "", "value": "$.data"]]]]
            ],
        ],
        "projections": [
            "order_views": [
                "for_each": "order", "sources": ["buyer": ["type": "customer", "id": "@.customer_id"]],
                "select": ["total": "@.total", "status": "@.status", "customer_name": "$buyer.name"],
            ]
        ],
    ]

    func validate() throws {
        guard runs >= 1 else { throw ValidationError("--runs must be 1 or more.") }
        guard aggregates >= 1_000 else { throw ValidationError("--aggregates must be 1000 or more.") }
    }

    func run() async throws {
        var figures: [String: [BenchFigure]] = [:]
        var order: [String] = []
        for _ in 0..<runs {
            let workspace = try BenchWorkspace(directory: directory)
            let store = try SQLiteEventStore(path: workspace.file("projections.sqlite"))
            let engine = SpecEngine(store: store)
            try await engine.putSpec(Self.spec)
            let ids = try await seed(store)
            for figure in try await measureAll(engine, ids: ids) {
                if figures[figure.name] == nil { order.append(figure.name) }
                figures[figure.name, default: []].append(figure)
            }
            await store.close()
        }
        for name in order {
            Output.line(BenchFigure.median(of: figures[name]!).json(runs: runs))
        }
    }

    /// 1,000 customers, then the orders, in appends of 1,000 streams; the orders' ids.
    private func seed(_ store: SQLiteEventStore) async throws -> [String] {
        let customers = (0..<1_000).map { _ in UUID().uuidString.lowercased() }
        _ = try await store.append(
            customers.enumerated().map { index, id in
                StreamAppend(
                    stream: try StreamName(category: "customer", id: id),
                    events: [NewEvent(type: "was_registered", data: ["name": .string("customer \(index)")])])
            }, idempotency: nil)
        let ids = (0..<aggregates).map { _ in UUID().uuidString.lowercased() }
        for start in stride(from: 0, to: ids.count, by: 1_000) {
            let appends = try ids[start..<min(ids.count, start + 1_000)].enumerated().map { index, id in
                StreamAppend(
                    stream: try StreamName(category: "order", id: id),
                    events: [
                        NewEvent(
                            type: "was_placed",
                            data: [
                                "customer_id": .string(customers[(start + index) % customers.count]),
                                "total": .int(index), "status": "open",
                            ])
                    ])
            }
            _ = try await store.append(appends, idempotency: nil)
        }
        return ids
    }

    private func measureAll(_ engine: SpecEngine, ids: [String]) async throws -> [BenchFigure] {
        let (_, buildSeconds) = try await measure {
            try await engine.projectionRows("order_views", after: nil, limit: 1)
        }
        var rowTimes: [Double] = []
        var stateTimes: [Double] = []
        for _ in 0..<1_000 {
            let id = ids.randomElement()!
            rowTimes.append(try await measure { try await engine.projectionRow("order_views", id) }.1)
            stateTimes.append(try await measure { try await engine.state(of: "order", id) }.1)
        }
        var listTimes: [Double] = []
        let sorted = ids.sorted { $0.precedesInListing($1) }
        for _ in 0..<20 {
            let after = sorted[Int.random(in: 0..<(sorted.count - 1_000))]
            let (page, seconds) = try await measure {
                try await engine.projectionRows("order_views", after: after, limit: 1_000)
            }
            precondition(page.rows.count == 1_000, "the page has \(page.rows.count) rows")
            listTimes.append(seconds)
        }
        func median(_ values: [Double]) -> Double { values.sorted()[values.count / 2] }
        let details: [String: JSON] = ["aggregates": .int(ids.count)]
        return [
            BenchFigure(name: "projection_build", events: ids.count, seconds: buildSeconds, details: details),
            BenchFigure(
                name: "projection_row_read", events: 1, seconds: median(rowTimes),
                milliseconds: median(rowTimes) * 1_000, details: details),
            BenchFigure(
                name: "aggregate_state_read", events: 1, seconds: median(stateTimes),
                milliseconds: median(stateTimes) * 1_000, details: details),
            BenchFigure(
                name: "projection_list_1000", events: 1_000, seconds: median(listTimes),
                milliseconds: median(listTimes) * 1_000, details: details),
        ]
    }
}
