import Evident
import EvidentPostgres
import EvidentTesting
import Logging
import PostgresNIO
import Testing

/// The totals projection of ``SQLProjectionContract``, in the store's schema: per stream, how many events and
/// the sum of their `amount`. Refuses events of type `was_poisoned`, after writing them, unless it accepts
/// poison.
struct StreamTotals: PostgresProjection {
    var name = "totals"
    var schema: String
    var acceptsPoison = false
    var table: String { "\(schema).\(name)_rows" }

    func prepare(_ connection: PostgresConnection, logger: Logger) async throws {
        try await connection.query(
            "CREATE TABLE IF NOT EXISTS \(unescaped: table) (stream text PRIMARY KEY, events bigint NOT NULL, amount bigint NOT NULL)",
            logger: logger)
    }

    func apply(_ event: RecordedEvent, in connection: PostgresConnection, logger: Logger) async throws {
        let amount = Int(event.data["amount"]?.number ?? 0)
        try await connection.query(
            """
            INSERT INTO \(unescaped: table) AS t (stream, events, amount) VALUES (\(event.stream.description), 1, \(amount))
            ON CONFLICT (stream) DO UPDATE SET events = t.events + 1, amount = t.amount + excluded.amount
            """, logger: logger)
        if event.type == "was_poisoned" && !acceptsPoison { throw SQLProjectionContract.Poisoned() }
    }

    func reset(_ connection: PostgresConnection, logger: Logger) async throws {
        try await connection.query("DELETE FROM \(unescaped: table)", logger: logger)
    }

    func forget(_ receipt: ForgettingReceipt, in connection: PostgresConnection, logger: Logger) async throws {
        let streams = receipt.streams.map(\.description)
        try await connection.query("DELETE FROM \(unescaped: table) WHERE stream = ANY(\(streams))", logger: logger)
    }

    /// The rows by stream, `[events, amount]`; none when the table is missing.
    func rows(_ store: PostgresEventStore) async throws -> [String: [Int]] {
        try await store.withConnection { [table] connection in
            let logger = Logger(label: "test")
            let exists = try await connection.query("SELECT to_regclass(\(table)) IS NOT NULL", logger: logger)
                .decode(Bool.self).first { _ in true }
            guard exists == true else { return [:] }
            var rows: [String: [Int]] = [:]
            let query: PostgresQuery = "SELECT stream, events, amount FROM \(unescaped: table)"
            for try await (stream, events, amount) in try await connection.query(query, logger: logger)
                .decode((String, Int, Int).self)
            {
                rows[stream] = [events, amount]
            }
            return rows
        }
    }
}

@Suite("PostgreSQL projections", .enabled(if: PostgresTestServer.isEnabled))
struct PostgresProjectionTests {
    @Test("SQL projection contract", arguments: SQLProjectionContract.cases)
    func contract(_ check: SQLProjectionContract.Case) async throws {
        try await PostgresStores.with { stores in
            try await check.run { inlineTotals in
                let url = try PostgresTestServer.freshURL()
                let schema = try PostgresStoreConfiguration(url: url).schema
                let configure: @Sendable (inout PostgresStoreConfiguration) -> Void = { configuration in
                    if inlineTotals { configuration.inlineProjections = [StreamTotals(name: "inline", schema: schema)] }
                }
                let store = try await stores.open(url: url, configure: configure)
                return SQLProjectionContract.Subject(
                    store: store,
                    totals: { acceptingPoison, runnerConfiguration, opener in
                        store.projectionRunner(
                            for: StreamTotals(schema: schema, acceptsPoison: acceptingPoison), opening: opener,
                            configuration: runnerConfiguration)
                    },
                    rows: { try await StreamTotals(name: $0, schema: schema).rows(store) },
                    deleteRows: {
                        try await store.execute(
                            unsafeSQL: "DELETE FROM \(StreamTotals(name: $0, schema: schema).table)")
                    },
                    rebuildInlineProjection: { try await store.rebuildInlineProjection(named: $0, opening: $1) },
                    consumerStatuses: { try await store.consumerStatuses() },
                    reopen: { try await stores.open(url: url, configure: configure) })
            }
        }
    }

    @Test(
        "store-agnostic projections and reactors keep their checkpoints in the database",
        arguments: ProjectionRunnerContract.cases)
    func runner(_ check: ProjectionRunnerContract.Case) async throws {
        try await PostgresStores.with { stores in
            try await check.run {
                let store = try await stores.open()
                return ProjectionRunnerContract.Subject(store: store, checkpoints: store)
            }
        }
    }
}
