import Evident
import EvidentPostgres
import EvidentTesting
import Testing

@Suite("PostgresEventStore on a streaming replica", .enabled(if: PostgresTestServer.isEnabled))
struct PostgresReplicaTests {
    @Test("a store on the replica is read-only, and sees the primary's appends once they are replayed")
    func readsFromReplica() async throws {
        try await PostgresStores.with { stores in
            let urls = try PostgresTestServer.freshURLs()
            let primary = try await stores.open(url: urls.primary)
            let replica = try await stores.openReplica(url: urls.replica)
            #expect(replica.isReplica)
            #expect(!primary.isReplica)
            await #expect {
                try await replica.append([NewEvent(type: "was_written")], to: StreamName("account:1"))
            } throws: { error in
                (error as? EventStoreError)?.code == .invalidArgument && "\(error)".contains("primary")
            }

            let written = try await primary.append(
                [NewEvent(type: "was_opened"), NewEvent(type: "was_credited")], to: StreamName("account:1"))
            // The replica's head reaches the write's position: the wait returns when it does (it polls).
            while try await replica.headPosition() < written.lastPosition {
                try await replica.waitForAppends(after: replica.headPosition(), timeout: .seconds(5))
            }
            let events = try await replica.readStream(StreamName("account:1"), from: 1, direction: .forward, limit: 10)
            #expect(events.map(\.type) == ["was_opened", "was_credited"])
            #expect(events.map(\.position) == [1, 2])
        }
    }

    @Test("opening a schema on the replica that the primary never created is refused")
    func missingSchemaOnReplica() async throws {
        let urls = try PostgresTestServer.freshURLs()
        await #expect {
            _ = try await PostgresEventStore.connect(try PostgresStoreConfiguration(url: urls.replica))
        } throws: { error in
            (error as? EventStoreError)?.code == .incompatibleDatabase && "\(error)".contains("replica")
        }
    }
}

@Suite("PostgresEventStore notifications", .enabled(if: PostgresTestServer.isEnabled))
struct PostgresNotificationTests {
    @Test("an append through one store wakes a reader of another store by NOTIFY, not by polling")
    func notifyAcrossStores() async throws {
        try await PostgresStores.with { stores in
            let url = try PostgresTestServer.freshURL()
            let writer = try await stores.open(url: url)
            // No poll within the test's waits: only a notification, or the listener reading the head once it
            // listens, can wake the reader before the wait's 60 s are over.
            let reader = try await stores.open(url: url) { $0.pollInterval = .seconds(3_600) }
            try await writer.append([NewEvent(type: "was_opened")], to: StreamName("account:1"))
            try await reader.waitForAppends(after: 0, timeout: .seconds(60))
            // Woken, so the reader listens now: the next append can wake it only by its notification.
            let received = reader.notificationsReceived
            var live = reader.subscribe(after: 1).makeAsyncIterator()
            try await writer.append([NewEvent(type: "was_credited")], to: StreamName("account:1"))
            try await reader.waitForAppends(after: 1, timeout: .seconds(60))
            #expect(reader.notificationsReceived > received)
            #expect(try await live.next()?.type == "was_credited")
        }
    }
}
