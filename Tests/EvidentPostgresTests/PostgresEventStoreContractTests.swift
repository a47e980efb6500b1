import Evident
import EvidentPostgres
import EvidentTesting
import Testing

@Suite("PostgresEventStore contract", .enabled(if: PostgresTestServer.isEnabled))
struct PostgresEventStoreContractTests {
    @Test("store contract", arguments: StoreContract.cases)
    func contract(_ check: StoreContract.Case) async throws {
        try await PostgresStores.with { stores in
            try await check.run { options in
                try await stores.open { $0.maximumStreamLength = options.maximumStreamLength }
            }
        }
    }
}
