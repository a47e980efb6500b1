import Evident
import EvidentSQLite
import EvidentTesting
import Foundation
import Testing

@Suite("SQLiteEventStore snapshots")
struct SQLiteSnapshotTests {
    @Test("snapshot contract", arguments: SnapshotContract.cases)
    func contract(_ check: SnapshotContract.Case) async throws {
        let directory = try TemporaryDirectory()
        try await check.run { try SQLiteEventStore(path: directory.file("\(UUID()).sqlite")) }
    }
}
