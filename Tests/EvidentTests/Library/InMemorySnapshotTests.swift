import Evident
import EvidentTesting
import Testing

@Suite("InMemoryEventStore snapshots")
struct InMemorySnapshotTests {
    @Test("snapshot contract", arguments: SnapshotContract.cases)
    func contract(_ check: SnapshotContract.Case) async throws {
        try await check.run { InMemoryEventStore() }
    }
}
