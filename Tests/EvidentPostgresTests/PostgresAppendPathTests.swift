import Evident
import EvidentPostgres
import EvidentTesting
import Testing

/// Each batch is checked under the log head's lock against what is committed, also when another store on the
/// same schema appended in between.
@Suite("PostgreSQL appends", .enabled(if: PostgresTestServer.isEnabled))
struct PostgresAppendPathTests {
    @Test("expectations are checked against the other store's appends, and versions and positions follow them")
    func anotherStoreAppendsBetween() async throws {
        try await PostgresStores.with { stores in
            let url = try PostgresTestServer.freshURL()
            let first = try await stores.open(url: url)
            let second = try await stores.open(url: url)
            let stream = try StreamName("account:1")
            let event = NewEvent(type: "was_credited", data: ["amount": 1])
            for round in 0..<3 {
                // Each store knows the stream's length after its own appends; the other one moves it on between.
                let length = round * 4
                try await first.append([event], to: stream, expectedVersion: .exact(length))
                try await second.append([event], to: stream, expectedVersion: .exact(length + 1))
                let result = try await first.append([event], to: stream, expectedVersion: .any)
                #expect(result.streamLength == length + 3)
                try await second.append([event], to: stream, expectedVersion: .exact(length + 3))
                let refused = await #expect(throws: EventStoreError.self) {
                    try await first.append([event], to: stream, expectedVersion: .exact(length + 3))
                }
                #expect(refused?.code == .wrongExpectedVersion)
            }
            let events = try await first.readStream(stream)
            #expect(events.map(\.version) == Array(1...12))
            #expect(events.map(\.position) == Array(1...12))
            #expect(try await second.headPosition() == 12)
        }
    }

    @Test("an append whose caller is cancelled is committed with its batch, and so are its neighbours")
    func cancelledCallers() async throws {
        try await PostgresStores.with { stores in
            let store = try await stores.open()
            let event = NewEvent(type: "was_credited", data: ["amount": 1])
            // A batch is committed on the task of one of its callers; cancelling callers must not fail the batch.
            let appends = (0..<64).map { index in
                Task {
                    try await store.append([event], to: StreamName("account:\(index)"), expectedVersion: .noStream)
                }
            }
            for (index, append) in appends.enumerated() where index.isMultiple(of: 2) { append.cancel() }
            for append in appends { _ = try await append.value }
            let events = try await store.readLog(after: 0, filter: .all, limit: 100)
            #expect(events.map(\.position) == Array(1...64))
        }
    }
}
