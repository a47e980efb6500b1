import Evident
import EvidentSQLite
import EvidentTesting
import Foundation
import GRDB
import Testing

/// Per stream: how many events and the sum of their `amount`. Refuses events of type `was_poisoned`.
struct StreamTotals: SQLiteProjection {
    var name = "totals"
    var table: String { "\(name.replacingOccurrences(of: "-", with: "_"))_rows" }

    struct Poisoned: Error, CustomStringConvertible {
        var description: String { "poisoned event" }
    }

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
        if event.type == "was_poisoned" { throw Poisoned() }
    }

    func reset(_ db: Database) throws {
        try db.execute(sql: "DELETE FROM \(table)")
    }

    func rows(_ path: String) throws -> [String: [Int]] {
        let queue = try DatabaseQueue(path: path)
        return try queue.read { db in
            guard try db.tableExists(table) else { return [:] }
            var rows: [String: [Int]] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT stream, events, amount FROM \(table)") {
                rows[row[0]] = [row[1], row[2]]
            }
            return rows
        }
    }
}

func total(_ rows: [String: [Int]], _ column: Int) -> Int {
    rows.values.map { $0[column] }.reduce(0, +)
}

@Suite("SQLite projections")
struct SQLiteProjectionTests {
    static var quick: ProjectionRunnerConfiguration {
        var configuration = ProjectionRunnerConfiguration()
        configuration.retry = RetryPolicy(maximumAttempts: 2, initialBackoff: .milliseconds(1))
        configuration.pageSize = 7
        configuration.pollInterval = .milliseconds(20)
        return configuration
    }

    func seed(_ store: SQLiteEventStore, count: Int, poisoned: Set<Int> = []) async throws {
        for index in 1...count {
            let type = poisoned.contains(index) ? "was_poisoned" : "was_credited"
            try await store.append(
                [NewEvent(type: type, data: ["amount": .int(index)])], to: StreamName("account:\(index % 4)"))
        }
    }

    @Test("a catch-up projection fills its table and keeps its checkpoint in the same database")
    func catchUp() async throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("p.sqlite")
        let store = try SQLiteEventStore(path: path)
        try await seed(store, count: 30)
        let projection = StreamTotals()
        let runner = store.projectionRunner(for: projection, configuration: Self.quick)
        #expect(try await runner.catchUp() == 30)
        let rows = try projection.rows(path)
        #expect(total(rows, 0) == 30)
        #expect(total(rows, 1) == 465)
        #expect(try await store.checkpoint(of: "totals") == 30)
        #expect(try await runner.lag() == 0)
    }

    @Test("the checkpoint commits with the projection's writes: a failing batch leaves neither")
    func atomicCheckpoint() async throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("p.sqlite")
        let store = try SQLiteEventStore(path: path)
        try await seed(store, count: 5, poisoned: [4])
        let projection = StreamTotals()
        let consumer = SQLiteProjectionConsumer(projection: projection, store: store)
        let events = try await store.readLog(after: 0, filter: .all, limit: 10)
        await #expect(throws: StreamTotals.Poisoned.self) { try await consumer.handle(events, through: 5) }
        #expect(try projection.rows(path).isEmpty, "rows of the failed batch were committed")
        #expect(try await consumer.checkpoint() == 0, "the checkpoint moved without its writes")
        try await consumer.handle(Array(events.prefix(3)), through: 3)
        #expect(try total(projection.rows(path), 0) == 3)
        #expect(try await consumer.checkpoint() == 3)
    }

    @Test("a failing event is parked and its writes rolled back; replay after a fix; rebuild from zero")
    func parkReplayRebuild() async throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("p.sqlite")
        let store = try SQLiteEventStore(path: path)
        try await seed(store, count: 20, poisoned: [9])
        let projection = StreamTotals()
        let runner = store.projectionRunner(for: projection, configuration: Self.quick)
        try await runner.catchUp()
        let parked = try await runner.parkedEvents()
        #expect(parked.map(\.position) == [9] && parked[0].error == "poisoned event" && parked[0].attempts == 2)
        #expect(try total(projection.rows(path), 0) == 19)
        #expect(try await runner.status() == ProjectionStatus(name: "totals", checkpoint: 20, head: 20, parked: 1))
        try await store.append([NewEvent(type: "was_credited")], to: StreamName("account:9"))
        #expect(
            try await store.consumerStatuses() == [
                ProjectionStatus(name: "totals", checkpoint: 20, head: 21, parked: 1)
            ])
        #expect(try await runner.catchUp() == 21)
        #expect(try await runner.replayParked().map(\.position) == [9], "still failing: stays parked")

        // The fix: a projection of the same name that accepts the event.
        struct Fixed: SQLiteProjection {
            let name = "totals"
            let base = StreamTotals()
            func prepare(_ db: Database) throws { try base.prepare(db) }
            func apply(_ event: RecordedEvent, in db: Database) throws {
                var event = event
                event.type = "was_credited"
                try base.apply(event, in: db)
            }
            func reset(_ db: Database) throws { try base.reset(db) }
        }
        let fixed = store.projectionRunner(for: Fixed(), configuration: Self.quick)
        #expect(try await fixed.replayParked().isEmpty)
        #expect(try await fixed.parkedEvents().isEmpty)
        let afterReplay = try projection.rows(path)
        #expect(total(afterReplay, 0) == 21)
        #expect(try await fixed.rebuild() == 21)
        #expect(try projection.rows(path) == afterReplay, "the rebuild equals the caught-up and replayed model")
    }

    @Test("inline projections run in the append's transaction; a failing one fails only its own append")
    func inline() async throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("p.sqlite")
        var configuration = SQLiteEventStoreConfiguration()
        let projection = StreamTotals(name: "inline")
        configuration.inlineProjections = [projection]
        let store = try SQLiteEventStore(path: path, configuration: configuration)
        try await withThrowingTaskGroup(of: Bool.self) { group in
            for index in 1...40 {
                group.addTask {
                    do {
                        let type = index.isMultiple(of: 10) ? "was_poisoned" : "was_credited"
                        try await store.append(
                            [NewEvent(type: type, data: ["amount": .int(index)])],
                            to: StreamName("account:\(index % 4)"))
                        return true
                    } catch let error as ProjectionError {
                        #expect(error.code == .inlineProjectionFailed && error.projection == "inline")
                        return false
                    }
                }
            }
            var written = 0
            for try await ok in group where ok { written += 1 }
            #expect(written == 36)
        }
        #expect(try await store.headPosition() == 36)
        let rows = try projection.rows(path)
        #expect(total(rows, 0) == 36, "every written event is in the read model at once")
        let expectedAmount = (1...40).filter { !$0.isMultiple(of: 10) }.reduce(0, +)
        #expect(total(rows, 1) == expectedAmount)
        try await DatabaseQueue(path: path).write { db in try db.execute(sql: "DELETE FROM inline_rows") }
        try await store.rebuildInlineProjection(named: "inline")
        #expect(try projection.rows(path) == rows)
    }

    @Test("reactors keep a durable checkpoint in the database")
    func reactorCheckpoint() async throws {
        final class Seen: Reactor {
            let name = "seen"
            let count = Mutex(0)
            func react(to event: RecordedEvent) async throws { count.withLock { $0 += 1 } }
        }
        let directory = try TemporaryDirectory()
        let path = directory.file("p.sqlite")
        let seen = Seen()
        do {
            let store = try SQLiteEventStore(path: path)
            try await seed(store, count: 10)
            try await store.runner(for: seen, configuration: Self.quick).catchUp()
        }
        let reopened = try SQLiteEventStore(path: path)
        try await seed(reopened, count: 3)
        try await reopened.runner(for: seen, configuration: Self.quick).catchUp()
        #expect(seen.count.withLock { $0 } == 13, "events before the checkpoint were delivered again")
    }
}

import Synchronization
