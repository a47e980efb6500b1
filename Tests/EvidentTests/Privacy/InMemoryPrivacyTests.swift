import Evident
import EvidentTesting
import Testing

@Suite("InMemoryEventStore personal data")
struct InMemoryPrivacyTests {
    @Test("privacy contract", arguments: PrivacyContract.cases)
    func contract(_ check: PrivacyContract.Case) async throws {
        try await check.run { InMemoryEventStore() }
    }
}
