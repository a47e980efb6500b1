import Evident
import EvidentSQLite
import EvidentTesting
import Foundation
import GRDB
import Testing

/// The totals projection of ``SQLProjectionContract``: per stream, how many events and the sum of their
/// `amount`. Refuses events of type `was_poisoned`, after writing them, unless it accepts poison.
struct StreamTotals: SQLiteProjection {
    var name = "totals"
    var acceptsPoison = false
    var table: String { "\(name)_rows" }

    func prepare(_ db: Database) throws {
        try db.execute(
            sql:
                "CREATE TABLE IF NOT EXISTS \(table) (stream TEXT PRIMARY KEY, events INTEGER NOT NULL, amount INTEGER NOT NULL)"
        )
    }

    func apply(_ event: RecordedEvent, in db: Database) throws {
        try db.execute(
            sql: """
                INSERT INTO \(table) (stream, events, amount) VALUES (?, 1, ?)
                ON CONFLICT (stream) DO UPDATE SET events = events + 1, amount = amount + excluded.amount
                """, arguments: [event.stream.description, Int(event.data["amount"]?.number ?? 0)])
        if event.type == "was_poisoned" && !acceptsPoison { throw SQLProjectionContract.Poisoned() }
    }

    func reset(_ db: Database) throws {
        try db.execute(sql: "DELETE FROM \(table)")
    }

    func forget(_ receipt: ForgettingReceipt, in db: Database) throws {
        for stream in receipt.streams {
            try db.execute(sql: "DELETE FROM \(table) WHERE stream = ?", arguments: [stream.description])
        }
    }
}

@Suite("SQLite projections")
struct SQLiteProjectionTests {
    @Test("SQL projection contract", arguments: SQLProjectionContract.cases)
    func contract(_ check: SQLProjectionContract.Case) async throws {
        let directory = try TemporaryDirectory()
        try await check.run { inlineTotals in
            let path = directory.file("\(UUID()).sqlite")
            var configuration = SQLiteEventStoreConfiguration()
            if inlineTotals { configuration.inlineProjections = [StreamTotals(name: "inline")] }
            let reopening = configuration
            let store = try SQLiteEventStore(path: path, configuration: configuration)
            return SQLProjectionContract.Subject(
                store: store,
                totals: { acceptingPoison, runnerConfiguration, opener in
                    store.projectionRunner(
                        for: StreamTotals(acceptsPoison: acceptingPoison), opening: opener,
                        configuration: runnerConfiguration)
                },
                rows: { name in
                    let table = StreamTotals(name: name).table
                    return try await DatabaseQueue(path: path).read { db in
                        guard try db.tableExists(table) else { return [:] }
                        var rows: [String: [Int]] = [:]
                        for row in try Row.fetchAll(db, sql: "SELECT stream, events, amount FROM \(table)") {
                            rows[row[0]] = [row[1], row[2]]
                        }
                        return rows
                    }
                },
                deleteRows: { name in
                    try await DatabaseQueue(path: path).write { db in
                        try db.execute(sql: "DELETE FROM \(StreamTotals(name: name).table)")
                    }
                },
                rebuildInlineProjection: { try await store.rebuildInlineProjection(named: $0, opening: $1) },
                consumerStatuses: { try await store.consumerStatuses() },
                reopen: { try SQLiteEventStore(path: path, configuration: reopening) })
        }
    }

    @Test(
        "store-agnostic projections and reactors keep their checkpoints in the database",
        arguments: ProjectionRunnerContract.cases)
    func runner(_ check: ProjectionRunnerContract.Case) async throws {
        let directory = try TemporaryDirectory()
        try await check.run {
            let store = try SQLiteEventStore(path: directory.file("\(UUID()).sqlite"))
            return ProjectionRunnerContract.Subject(store: store, checkpoints: store)
        }
    }
}
