import Evident
import EvidentSQLite
import EvidentTesting
import Foundation
import Testing

@Suite("Copying a store")
struct StoreCopyTests {
    @Test("a copy holds the same events, keys, snapshots, checkpoints and parked events, and is compared")
    func copy() async throws {
        let directory = try TemporaryDirectory()
        let source = try SQLiteEventStore(path: directory.file("source.sqlite"))
        let target = try SQLiteEventStore(path: directory.file("target.sqlite"))
        try await StoreCopyFixture.fill(source)
        let counts = try await StoreCopy.run(from: source, to: target, pageSize: 7)
        #expect(counts == StoreCopyFixture.counts)
        #expect(try await target.headPosition() == source.headPosition())
        // The copy takes appends where the source left off.
        let next = try await target.append([NewEvent(type: "was_noted")], to: StreamName("account:1"))
        #expect(next.firstPosition == (try await source.headPosition()) + 1)
        await #expect {
            _ = try await StoreCopy.run(from: source, to: target)
        } throws: { error in
            (error as? EventStoreError)?.code == .invalidArgument && "\(error)".contains("holds events")
        }
    }
}
