import Foundation
import GRDB

/// Plain SQLite inserts with the store's pragmas (WAL, `synchronous=FULL`): what the disk and SQLite allow,
/// to read every store figure as a fraction of it.
enum SQLiteBaseline {
    static func run(path: String, rows: Int) throws -> [BenchFigure] {
        let queue = try DatabaseQueue(path: path)
        try queue.writeWithoutTransaction { db in
            try db.execute(sql: "PRAGMA journal_mode = WAL")
            try db.execute(sql: "PRAGMA synchronous = FULL")
            try db.execute(sql: "CREATE TABLE rows (id INTEGER PRIMARY KEY, stream TEXT NOT NULL, data TEXT NOT NULL)")
        }
        let data = #"{"amount":42}"#
        let clock = ContinuousClock()
        var start = clock.now
        for row in 0..<rows {
            try queue.write { db in
                try db.execute(
                    sql: "INSERT INTO rows (stream, data) VALUES (?, ?)", arguments: ["account:\(row % 100)", data])
            }
        }
        let perRow = clock.now - start
        start = clock.now
        try queue.write { db in
            let statement = try db.makeStatement(sql: "INSERT INTO rows (stream, data) VALUES (?, ?)")
            for row in 0..<rows {
                try statement.execute(arguments: ["account:\(row % 100)", data])
            }
        }
        let allRows = clock.now - start
        func seconds(_ duration: Duration) -> Double {
            Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
        }
        return [
            BenchFigure(name: "baseline_one_row_per_transaction", events: rows, seconds: seconds(perRow)),
            BenchFigure(name: "baseline_one_transaction", events: rows, seconds: seconds(allRows)),
        ]
    }
}
