import Evident
import Foundation
import Testing

extension StoreContract {
    static func appendThenReadBack(_ factory: Factory) async throws {
        let store = try await fresh(factory)
        let order = stream("order:1")
        let id = UUID()
        let metadata = EventMetadata(
            actor: EntityReference(type: "user", id: "u1"), target: EntityReference(type: "cart", id: "c1"),
            causationId: UUID().uuidString, correlationId: "order-flow-7", extra: ["source": "test", "weight": 2.5])
        let data: JSON = ["items": [["sku": "a", "qty": 2]], "total": 12.5, "note": "é\"\n", "big": .int(1 << 60)]
        let result = try await store.append(
            [NewEvent(id: id, type: "was_placed", data: data, metadata: metadata), event("was_paid")], to: order,
            expectedVersion: .noStream)
        #expect(result.streamLength == 2)
        #expect(result.positions == 1...2)
        #expect(result.isReplay == false)
        let events = try await store.readStream(order)
        try #require(events.count == 2)
        #expect(events[0].id == id)
        #expect(events[0].stream == order)
        #expect(events[0].type == "was_placed")
        #expect(events[0].data == data)
        #expect(events[0].metadata == metadata)
        #expect(events.map(\.version) == [1, 2])
        #expect(events.map(\.position) == [1, 2])
        #expect(abs(events[0].recordedAt.timeIntervalSinceNow) < 60)
        #expect(try await store.headPosition() == 2)
        #expect(try await store.readStream(stream("order:2")).isEmpty)
    }

    static func expectedAny(_ factory: Factory) async throws {
        let store = try await fresh(factory)
        let account = stream("account:1")
        try await store.append([event()], to: account, expectedVersion: .any)
        let result = try await store.append([event()], to: account, expectedVersion: .any)
        #expect(result.streamLength == 2)
    }

    static func expectedNoStream(_ factory: Factory) async throws {
        let store = try await fresh(factory)
        let account = stream("account:1")
        try await store.append([event()], to: account, expectedVersion: .noStream)
        let error = await expectError(.wrongExpectedVersion) {
            try await store.append([event()], to: account, expectedVersion: .noStream)
        }
        #expect(error?.stream == account)
        #expect(error?.expectedVersion == ExpectedVersion.noStream)
        #expect(error?.actualLength == 1)
        #expect(try await store.streamInfo(account)?.length == 1)
    }

    static func expectedStreamExists(_ factory: Factory) async throws {
        let store = try await fresh(factory)
        let account = stream("account:1")
        let error = await expectError(.wrongExpectedVersion) {
            try await store.append([event()], to: account, expectedVersion: .streamExists)
        }
        #expect(error?.actualLength == 0)
        #expect(try await store.headPosition() == 0)
        try await store.append([event()], to: account, expectedVersion: .any)
        let result = try await store.append([event()], to: account, expectedVersion: .streamExists)
        #expect(result.streamLength == 2)
    }

    static func expectedExact(_ factory: Factory) async throws {
        let store = try await fresh(factory)
        let account = stream("account:1")
        try await store.append(events(2), to: account, expectedVersion: .exact(0))
        try await store.append(events(1), to: account, expectedVersion: .exact(2))
        for wrong in [0, 2, 4] {
            let error = await expectError(.wrongExpectedVersion) {
                try await store.append(events(3), to: account, expectedVersion: .exact(wrong))
            }
            #expect(error?.expectedVersion == .exact(wrong))
            #expect(error?.actualLength == 3)
            #expect(error?.description.contains("account:1") == true)
        }
        #expect(try await store.readStream(account).count == 3)
        await expectError(.invalidArgument) {
            try await store.append(events(1), to: account, expectedVersion: .exact(-1))
        }
    }

    static func idempotency(_ factory: Factory) async throws {
        let store = try await fresh(factory)
        let cart = stream("cart:1")
        let first = try await store.append(
            [event("was_created", ["a": 1]), event("had_item_added", ["sku": "x"])], to: cart,
            expectedVersion: .noStream, idempotencyKey: "req-1")
        #expect(first.isReplay == false)
        // A retry generates new event ids but asks for the same thing: the first result, flagged, nothing written.
        let retry = try await store.append(
            [event("was_created", ["a": 1]), event("had_item_added", ["sku": "x"])], to: cart,
            expectedVersion: .noStream, idempotencyKey: "req-1")
        #expect(retry.isReplay == true)
        #expect(retry.positions == first.positions)
        #expect(retry.streamLength == first.streamLength)
        #expect(try await store.headPosition() == 2)
        let error = await expectError(.idempotencyKeyConflict) {
            try await store.append(
                [event("was_created", ["a": 2])], to: cart, expectedVersion: .any, idempotencyKey: "req-1")
        }
        #expect(error?.idempotencyKey == "req-1")
        #expect(try await store.headPosition() == 2)
        // A failed append does not consume its key.
        await expectError(.wrongExpectedVersion) {
            try await store.append([event()], to: cart, expectedVersion: .noStream, idempotencyKey: "req-2")
        }
        let later = try await store.append([event()], to: cart, expectedVersion: .exact(2), idempotencyKey: "req-2")
        #expect(later.isReplay == false)
        #expect(later.streamLength == 3)
        // Multi-stream appends replay whole.
        let both = [
            StreamAppend(stream: stream("a:1"), events: [event()]),
            StreamAppend(stream: stream("b:1"), events: [event()]),
        ]
        let original = try await store.append(both, idempotencyKey: "req-3")
        let replayed = try await store.append(both, idempotencyKey: "req-3")
        #expect(replayed.map(\.positions) == original.map(\.positions))
        #expect(replayed.allSatisfy { $0.isReplay })
        #expect(try await store.headPosition() == 5)
    }

    static func multiStreamAtomicity(_ factory: Factory) async throws {
        let store = try await fresh(factory)
        let from = stream("account:from")
        let to = stream("account:to")
        try await store.append(events(1), to: from)
        let error = await expectError(.wrongExpectedVersion) {
            _ = try await store.append(
                [
                    StreamAppend(stream: from, events: events(1), expectedVersion: .exact(1)),
                    StreamAppend(stream: to, events: events(1), expectedVersion: .exact(5)),
                ], idempotencyKey: nil)
        }
        #expect(error?.stream == to)
        #expect(try await store.headPosition() == 1)
        #expect(try await store.readStream(from).count == 1)
        #expect(try await store.readStream(to).isEmpty)
        let results = try await store.append(
            [
                StreamAppend(stream: from, events: events(2), expectedVersion: .exact(1)),
                StreamAppend(stream: to, events: events(1), expectedVersion: .noStream),
            ], idempotencyKey: nil)
        #expect(results.map(\.streamLength) == [3, 1])
        #expect(results.map(\.positions) == [2...3, 4...4])
        await expectError(.invalidArgument) {
            _ = try await store.append(
                [StreamAppend(stream: to, events: events(1)), StreamAppend(stream: to, events: events(1))],
                idempotencyKey: nil)
        }
        await expectError(.invalidArgument) { _ = try await store.append([], idempotencyKey: nil) }
    }

    static func streamLengthGuard(_ factory: Factory) async throws {
        let store = try await fresh(factory, maximumStreamLength: 3)
        let account = stream("account:1")
        try await store.append(events(2), to: account)
        let error = await expectError(.streamTooLong) { try await store.append(events(2), to: account) }
        #expect(error?.limit == 3)
        #expect(error?.description.contains("napshot") == true)
        try await store.append(events(1), to: account)
        #expect(try await store.streamInfo(account)?.length == 3)
        // System streams (signed checkpoints, key uses) are not held to it.
        let system = stream("$audit:checkpoints")
        try await store.append(events(3), to: system)
        try await store.append(events(2), to: system)
        #expect(try await store.streamInfo(system)?.length == 5)
    }

    /// Event ids must be unique within an append; stores do not look them up among stored events (that
    /// would cost an index write per event; idempotency keys make retries safe).
    static func duplicateEventId(_ factory: Factory) async throws {
        let store = try await fresh(factory)
        let event = event()
        await expectError(.duplicateEventId) { try await store.append([event, event], to: stream("a:3")) }
        await expectError(.duplicateEventId) {
            _ = try await store.append(
                [
                    StreamAppend(stream: stream("a:1"), events: [event]),
                    StreamAppend(stream: stream("a:2"), events: [event]),
                ],
                idempotencyKey: nil)
        }
        #expect(try await store.headPosition() == 0)
    }

    static func readingStreams(_ factory: Factory) async throws {
        let store = try await fresh(factory)
        let account = stream("account:1")
        try await store.append(events(10), to: account)
        try await store.append(events(3), to: stream("account:2"))
        let forward = try await store.readStream(account, from: 4, direction: .forward, limit: 3)
        #expect(forward.map(\.version) == [4, 5, 6])
        let backward = try await store.readStream(account, from: Int.max, direction: .backward, limit: 3)
        #expect(backward.map(\.version) == [10, 9, 8])
        let middle = try await store.readStream(account, from: 5, direction: .backward, limit: 10)
        #expect(middle.map(\.version) == [5, 4, 3, 2, 1])
        #expect(try await store.readStream(account, from: 11, direction: .forward, limit: 5).isEmpty)
        #expect(try await store.readStream(account, from: 0, direction: .backward, limit: 5).isEmpty)
        #expect(try await store.readStream(account).map(\.version) == Array(1...10))
        await expectError(.invalidArgument) {
            _ = try await store.readStream(account, from: 1, direction: .forward, limit: 0)
        }
    }

    static func readingTheLog(_ factory: Factory) async throws {
        let store = try await fresh(factory)
        try await store.append([event("was_opened"), event("was_credited")], to: stream("account:1"))
        try await store.append([event("was_placed")], to: stream("order:1"))
        try await store.append([event("was_credited")], to: stream("account:2"))
        #expect(try await store.readLog(after: 0, filter: .all, limit: 10).map(\.position) == [1, 2, 3, 4])
        #expect(try await store.readLog(after: 2, filter: .all, limit: 1).map(\.position) == [3])
        let accounts = LogFilter(streamCategories: ["account"])
        #expect(try await store.readLog(after: 0, filter: accounts, limit: 10).map(\.position) == [1, 2, 4])
        let credits = LogFilter(eventTypes: ["was_credited", "was_placed"])
        #expect(try await store.readLog(after: 1, filter: credits, limit: 10).map(\.position) == [2, 3, 4])
        let both = LogFilter(streamCategories: ["account"], eventTypes: ["was_credited"])
        #expect(try await store.readLog(after: 0, filter: both, limit: 1).map(\.position) == [2])
        #expect(try await store.readLog(after: 4, filter: .all, limit: 10).isEmpty)
    }

    static func largeEventsAndLongReads(_ factory: Factory) async throws {
        let store = try await fresh(factory)
        let account = stream("account:1")
        let large: JSON = ["text": .string(String(repeating: "é", count: 60_000)), "n": 1]
        let metadata = EventMetadata(extra: ["note": .string(String(repeating: "m", count: 10_000))])
        try await store.append(events(1_200), to: account)
        try await store.append([NewEvent(type: "was_large", data: large, metadata: metadata)], to: account)
        try await store.append(events(1_300), to: account)
        try await store.append(events(5), to: stream("other:1"))
        let forward = try await store.readStream(account, from: 1, direction: .forward, limit: 2_600)
        #expect(forward.map(\.version) == Array(1...2_501))
        #expect(forward[1_200].data == large && forward[1_200].metadata == metadata)
        let backward = try await store.readStream(account, from: .max, direction: .backward, limit: 2_000)
        #expect(backward.map(\.version) == Array((502...2_501).reversed()))
        #expect(backward[1_300].data == large)
        let log = try await store.readLog(after: 100, filter: .all, limit: 3_000)
        #expect(log.map(\.position) == Array(101...2_506))
        #expect(log[1_100].metadata == metadata)
        let filtered = try await store.readLog(after: 0, filter: LogFilter(streamCategories: ["other"]), limit: 3_000)
        #expect(filtered.map(\.position) == Array(2_502...2_506))
    }

    static func streamInfo(_ factory: Factory) async throws {
        let store = try await fresh(factory)
        let account = stream("account:1")
        #expect(try await store.streamInfo(account) == nil)
        let before = Date(timeIntervalSinceNow: -1)
        try await store.append(events(2), to: account)
        try await Task.sleep(for: .milliseconds(20))
        try await store.append(events(1), to: account)
        let info = try #require(try await store.streamInfo(account))
        #expect(info.length == 3)
        #expect(info.createdAt >= before)
        #expect(info.updatedAt > info.createdAt)
    }

    static func timeTravel(_ factory: Factory) async throws {
        let store = try await fresh(factory)
        let account = stream("account:1")
        try await store.append(events(2), to: account)
        try await Task.sleep(for: .milliseconds(20))
        let between = Date()
        try await Task.sleep(for: .milliseconds(20))
        try await store.append(events(3), to: account)
        #expect(try await store.readStream(account, upTo: .version(3)).map(\.version) == [1, 2, 3])
        #expect(try await store.readStream(account, upTo: .version(0)).isEmpty)
        #expect(try await store.readStream(account, upTo: .recordedAt(between)).map(\.version) == [1, 2])
        let events = try await store.readStream(account)
        let exactlyAtSecond = events[1].recordedAt
        #expect(try await store.readStream(account, upTo: .recordedAt(exactlyAtSecond)).count == 2)
        #expect(try await store.readStream(account, upTo: .recordedAt(Date(timeIntervalSince1970: 0))).isEmpty)
        #expect(try await store.readStream(account, upTo: .recordedAt(Date())).count == 5)
        // Paging across a time-travel read.
        try await store.append(StoreContract.events(30), to: account)
        #expect(try await store.readStream(account, upTo: .version(33), pageSize: 7).count == 33)
    }
}
