import Evident
import EvidentPostgres
import EvidentTesting
import Testing

@Suite("PostgresEventStore snapshots", .enabled(if: PostgresTestServer.isEnabled))
struct PostgresSnapshotTests {
    @Test("snapshot contract", arguments: SnapshotContract.cases)
    func contract(_ check: SnapshotContract.Case) async throws {
        try await PostgresStores.with { stores in
            try await check.run { try await stores.open() }
        }
    }
}
