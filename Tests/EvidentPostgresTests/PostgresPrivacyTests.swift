import Evident
import EvidentPostgres
import EvidentTesting
import Testing

@Suite("PostgresEventStore personal data", .enabled(if: PostgresTestServer.isEnabled))
struct PostgresPrivacyTests {
    @Test("privacy contract", arguments: PrivacyContract.cases)
    func contract(_ check: PrivacyContract.Case) async throws {
        try await PostgresStores.with { stores in
            try await check.run { try await stores.open() }
        }
    }
}
