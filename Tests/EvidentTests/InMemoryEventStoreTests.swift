import Evident
import EvidentTesting
import Testing

@Suite("InMemoryEventStore")
struct InMemoryEventStoreTests {
    @Test("store contract", arguments: StoreContract.cases)
    func contract(_ check: StoreContract.Case) async throws {
        try await check.run { options in InMemoryEventStore(maximumStreamLength: options.maximumStreamLength) }
    }
}
