import Evident
import Foundation
import Testing

extension StoreContract {
    /// 32 tasks race to extend one stream, each appending at the length it last read. Every version is won
    /// exactly once, and every loser gets a version conflict naming the actual length.
    static func concurrentExactWriters(_ factory: Factory) async throws {
        let store = try await fresh(factory)
        let account = stream("account:race")
        let writers = 32
        let outcomes = try await withThrowingTaskGroup(of: (wins: [Int], conflicts: Int).self) { group in
            for writer in 0..<writers {
                group.addTask {
                    var wins: [Int] = []
                    var conflicts = 0
                    while wins.isEmpty {
                        let length = try await store.streamInfo(account)?.length ?? 0
                        await Task.yield()  // let the others read the same length
                        do {
                            let result = try await store.append(
                                [event("was_won", ["writer": .int(writer)])], to: account,
                                expectedVersion: .exact(length))
                            wins.append(result.streamLength)
                        } catch let error as EventStoreError where error.code == .wrongExpectedVersion {
                            #expect(error.actualLength ?? 0 > length)
                            conflicts += 1
                        }
                    }
                    return (wins, conflicts)
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        let versionsWon = outcomes.flatMap(\.wins).sorted()
        #expect(versionsWon == Array(1...writers))
        let events = try await store.readStream(account)
        #expect(events.map(\.version) == Array(1...writers))
        #expect(Set(events.compactMap { $0.data["writer"]?.number }).count == writers)
    }

    /// Half of many concurrent appends are doomed; the others all succeed.
    static func failuresAreIsolated(_ factory: Factory) async throws {
        let store = try await fresh(factory)
        let results = await withTaskGroup(of: (Int, Bool).self) { group in
            for index in 0..<64 {
                group.addTask {
                    let expected: ExpectedVersion = index.isMultiple(of: 2) ? .noStream : .exact(7)
                    do {
                        try await store.append(events(2), to: stream("item:\(index)"), expectedVersion: expected)
                        return (index, true)
                    } catch {
                        return (index, false)
                    }
                }
            }
            return await group.reduce(into: [:]) { $0[$1.0] = $1.1 }
        }
        for (index, succeeded) in results {
            #expect(succeeded == index.isMultiple(of: 2), "append \(index)")
        }
        let log = try await allEvents(store)
        #expect(log.map(\.position) == (1...64).map(Int64.init))
    }

    /// While 8 writers append, a reader that repeatedly reads the log never sees a gap: positions are
    /// contiguous and become visible in order. Each append's events are contiguous in the log.
    static func positionsInCommitOrder(_ factory: Factory) async throws {
        let store = try await fresh(factory)
        let writers = 8
        let appendsPerWriter = 40
        let total = writers * appendsPerWriter * 3
        let observed = try await withThrowingTaskGroup(of: [Int64].self) { group in
            group.addTask {
                var seen: [Int64] = []
                while seen.count < total {
                    let page = try await store.readLog(after: seen.last ?? 0, filter: .all, limit: 97)
                    seen += page.map(\.position)
                    if page.isEmpty { await Task.yield() }
                }
                return seen
            }
            for writer in 0..<writers {
                group.addTask {
                    for index in 0..<appendsPerWriter {
                        let result = try await store.append(
                            events(3), to: stream("w\(writer):\(index % 5)"), expectedVersion: .any)
                        #expect(result.positions?.count == 3)
                    }
                    return []
                }
            }
            return try await group.reduce(into: []) { $0 += $1 }
        }
        #expect(observed == (1...Int64(total)).map { $0 })
        let log = try await allEvents(store)
        #expect(log.map(\.position) == (1...Int64(total)).map { $0 })
        var lastVersion: [StreamName: Int] = [:]
        for event in log {
            #expect(event.version == (lastVersion[event.stream] ?? 0) + 1)
            lastVersion[event.stream] = event.version
        }
        for triple in stride(from: 0, to: log.count, by: 3) {
            #expect(Set(log[triple..<triple + 3].map(\.stream)).count == 1, "an append's events are contiguous")
        }
    }

    /// A subscriber started before the writers receives every event exactly once, in position order.
    static func subscriberSeesEverything(_ factory: Factory) async throws {
        let store = try await fresh(factory)
        try await store.append(events(5), to: stream("early:1"))
        let total = 5 + 4 * 50
        let received = try await withThrowingTaskGroup(of: [RecordedEvent]?.self) { group in
            group.addTask {
                var received: [RecordedEvent] = []
                for try await event in store.subscribe(after: 0) {
                    received.append(event)
                    if received.count == total { break }
                }
                return received
            }
            group.addTask {
                try await Task.sleep(for: .milliseconds(50))
                try await withThrowingTaskGroup(of: Void.self) { writers in
                    for writer in 0..<4 {
                        writers.addTask {
                            for index in 0..<25 {
                                try await store.append(events(2), to: stream("live\(writer):\(index % 3)"))
                            }
                        }
                    }
                    try await writers.waitForAll()
                }
                return nil
            }
            // Bounded from the last append, not from the start: on a busy machine the appends themselves (an
            // fsync each) can take minutes, while a subscriber that sees them must follow within its poll.
            group.addTask {
                try await Task.sleep(for: .seconds(600))
                throw EventStoreError.invalidArgument("the writers and the subscriber did not finish within 10 minutes")
            }
            var received: [RecordedEvent]?
            var writersDone = false
            while received == nil || !writersDone, let outcome = try await group.next() {
                guard let outcome else {
                    writersDone = true
                    if received == nil {
                        group.addTask {
                            try await Task.sleep(for: .seconds(60))
                            throw EventStoreError.invalidArgument(
                                "the subscriber did not receive every event within 60 s of the last append")
                        }
                    }
                    continue
                }
                received = outcome
            }
            group.cancelAll()
            return received ?? []
        }
        #expect(received.map(\.position) == (1...Int64(total)).map { $0 })
        let log = try await allEvents(store)
        #expect(received.map(\.id) == log.map(\.id))
        // A subscription after a position, with a filter, only sees what passes.
        var filtered: [Int64] = []
        for try await event in store.subscribe(after: 5, filter: LogFilter(streamCategories: ["live0"])) {
            filtered.append(event.position)
            if filtered.count == 50 { break }
        }
        #expect(filtered.count == 50)
        #expect(filtered == filtered.sorted())
    }
}
