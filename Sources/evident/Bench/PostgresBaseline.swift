import Evident
import EvidentPostgres

/// Plain PostgreSQL inserts on the store's connections and settings, in a schema of their own: what the server
/// and the disk allow, to read every store figure as a fraction of it.
enum PostgresBaseline {
    static func run(_ store: PostgresEventStore, rows: Int) async throws -> [BenchFigure] {
        let streams = (0..<rows).map { "account:\($0 % 100)" }
        let data = #"{"amount":42}"#
        return try await store.withPlainInserts { inserts in
            let (_, perRow) = try await measure {
                try await inserts.oneTransactionPerRow(streams: streams, data: data)
            }
            let (_, allRows) = try await measure { try await inserts.oneTransaction(streams: streams, data: data) }
            return [
                BenchFigure(name: "baseline_one_row_per_transaction", events: rows, seconds: perRow),
                BenchFigure(
                    name: "baseline_one_transaction", events: rows, seconds: allRows, details: ["statements": 1]),
            ]
        }
    }
}
