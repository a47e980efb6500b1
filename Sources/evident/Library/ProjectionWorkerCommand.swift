import ArgumentParser
import Evident
import EvidentSQLite
import Foundation
import GRDB

/// Runs a SQLite catch-up projection over a database, for the test that kills it with SIGKILL mid-run and
/// checks that after a restart its read model equals a rebuild from zero. Not shown in help.
struct ProjectionWorkerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "projection-worker",
        abstract: "Seed events, run, rebuild or dump a test projection (for tests).", shouldDisplay: false)

    @OptionGroup var store: StoreOptions

    @Option(help: "The projection's name (its tables are <name>_totals and <name>_positions).")
    var name = "live"

    @Option(help: "Append this many events first, in appends of 10, and exit.")
    var seed: Int?

    @Option(help: "Events per transaction.")
    var pageSize = 20

    @Flag(help: "Stop once the projection has reached the log's head (and honoured a replay request) instead.")
    var untilCaughtUp = false

    @Option(help: "Fail on the event at this log position every time, so that it is parked.")
    var failAt: Int64?

    @Flag(help: "Empty the read model and project the whole log again, then exit.")
    var rebuild = false

    @Flag(help: "Print the read model, one JSON object per stream, then the checkpoint, and exit.")
    var dump = false

    @Flag(help: "Print `checkpoint N` on standard output each time a batch and its checkpoint are committed.")
    var progress = false

    /// Refuses a PostgreSQL URL: the projection's read model lives in the SQLite file.
    func validate() throws {
        guard case .sqlite = try store.location.resolve() else { throw Self.sqliteOnly }
    }

    static let sqliteOnly = ValidationError(
        "projection-worker runs a SQLite projection, whose read model lives in the database file; give --db PATH "
            + "or --store sqlite:PATH, not a PostgreSQL URL.")

    func run() async throws {
        try await store.location.resolve().withStore(creating: true) { opened in
            guard case .sqlite(let store) = opened else { throw Self.sqliteOnly }
            try await run(on: store)
        }
    }

    private func run(on store: SQLiteEventStore) async throws {
        if let seed {
            for batch in stride(from: 0, to: seed, by: 10) {
                let events = (batch..<min(seed, batch + 10)).map { index in
                    NewEvent(type: "was_credited", data: ["amount": .int(index % 97 + 1)])
                }
                try await store.append(events, to: StreamName("account:\(batch / 10 % 13)"))
            }
            return
        }
        let projection = CrashTotals(name: name, failAt: failAt)
        var configuration = ProjectionRunnerConfiguration()
        configuration.pageSize = pageSize
        configuration.pollInterval = .milliseconds(50)
        let consumer = SQLiteProjectionConsumer(projection: projection, store: store)
        let runner = ProjectionRunner(
            store: store, consumer: progress ? ProgressReporting(consumer) : consumer, configuration: configuration)
        if dump {
            let status = try await runner.status()
            for line in try projection.rows(store.path) { Output.line(line) }
            Output.line([
                "checkpoint": .int(Int(status.checkpoint)), "head": .int(Int(status.head)),
                "parked": .int(status.parked),
            ])
        } else if rebuild {
            try await runner.rebuild()
        } else if untilCaughtUp {
            try await runner.catchUp()
            try await runner.replayRequested()
        } else {
            try await runner.run()
        }
    }
}

/// A consumer that prints each checkpoint once it is committed: the signal a test waits for before it kills
/// the runner, so the kill lands while the runner is at work.
struct ProgressReporting: CatchUpConsumer {
    let consumer: any CatchUpConsumer

    init(_ consumer: any CatchUpConsumer) { self.consumer = consumer }

    var name: String { consumer.name }
    var filter: LogFilter { consumer.filter }
    var isRebuildable: Bool { consumer.isRebuildable }
    func checkpoint() async throws -> Int64 { try await consumer.checkpoint() }
    func parkedEvents() async throws -> [ParkedEvent] { try await consumer.parkedEvents() }
    func replay(_ event: RecordedEvent) async throws { try await consumer.replay(event) }
    func reset() async throws { try await consumer.reset() }

    func handle(_ events: [RecordedEvent], through position: Int64) async throws {
        try await consumer.handle(events, through: position)
        // One write(2) of a short line, unbuffered: the reader sees it as soon as the commit is done.
        Output.line("checkpoint \(position)")
    }

    func park(_ event: RecordedEvent, error: any Error, attempts: Int) async throws {
        try await consumer.park(event, error: error, attempts: attempts)
        Output.line("checkpoint \(try await consumer.checkpoint())")
    }
}

/// Per stream: the number of events, the sum of their amounts and the last position. Every position is also
/// inserted into a table whose primary key refuses a second application of the same event.
struct CrashTotals: SQLiteProjection {
    let name: String
    /// The position of an event it always fails on, if any.
    var failAt: Int64?

    struct Failure: Error, CustomStringConvertible {
        var position: Int64
        var description: String { "projection-worker was told to fail at position \(position)" }
    }

    func prepare(_ db: Database) throws {
        try db.execute(
            sql: """
                CREATE TABLE IF NOT EXISTS \(name)_totals (
                    stream TEXT PRIMARY KEY, events INTEGER NOT NULL, amount INTEGER NOT NULL,
                    last_position INTEGER NOT NULL);
                CREATE TABLE IF NOT EXISTS \(name)_positions (position INTEGER PRIMARY KEY);
                """)
    }

    func apply(_ event: RecordedEvent, in db: Database) throws {
        if event.position == failAt { throw Failure(position: event.position) }
        try db.execute(sql: "INSERT INTO \(name)_positions (position) VALUES (?)", arguments: [event.position])
        try db.execute(
            sql: """
                INSERT INTO \(name)_totals (stream, events, amount, last_position) VALUES (?, 1, ?, ?)
                ON CONFLICT (stream) DO UPDATE SET events = events + 1, amount = amount + excluded.amount,
                    last_position = excluded.last_position
                """,
            arguments: [event.stream.description, Int(event.data["amount"]?.number ?? 0), event.position])
    }

    func reset(_ db: Database) throws {
        try db.execute(sql: "DELETE FROM \(name)_totals; DELETE FROM \(name)_positions")
    }

    func rows(_ path: String) throws -> [JSON] {
        try DatabaseQueue(path: path).read { db in
            guard try db.tableExists("\(name)_totals") else { return [] }
            return try Row.fetchAll(
                db, sql: "SELECT stream, events, amount, last_position FROM \(name)_totals ORDER BY stream"
            ).map { row in
                [
                    "stream": .string(row[0]), "events": .int(row[1]), "amount": .int(row[2]),
                    "last_position": .int(row[3]),
                ]
            }
        }
    }
}
