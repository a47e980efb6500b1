import Evident
import Foundation
import Testing

extension StoreContract {
    static func listing(_ store: any EventStore) throws -> any StreamListing {
        try #require(store as? any StreamListing, "every store lists its streams")
    }

    static func listingStreams(_ factory: Factory) async throws {
        let store = try await fresh(factory)
        let listing = try listing(store)
        #expect(try await listing.streams(inCategory: "order", after: nil, limit: 10).isEmpty)
        // Appended out of id order, interleaved with another category; ids whose byte order differs from a
        // case-insensitive or locale order ("B" < "a", "a-b" < "ab").
        try await store.append(events(2), to: stream("order:b"))
        try await store.append(events(1), to: stream("account:a"))
        try await store.append(events(1), to: stream("order:a-b"))
        try await store.append(events(3), to: stream("order:B"))
        try await store.append(events(1), to: stream("order:ab"))
        try await store.append(events(1), to: stream("order:b"))
        try await store.append(events(1), to: stream("orders:a"))
        let all = try await listing.streams(inCategory: "order", after: nil, limit: 10)
        #expect(all.map(\.stream.id) == ["B", "a-b", "ab", "b"])
        #expect(all.map(\.length) == [3, 1, 1, 3])
        #expect(all.map(\.lastPosition) == [7, 4, 8, 9])
        let log = try await store.readLog(after: 0, filter: .all, limit: 20)
        let recorded = Dictionary(log.map { ($0.position, $0.recordedAt) }, uniquingKeysWith: { $1 })
        #expect(all.map(\.updatedAt) == all.map { recorded[$0.lastPosition] })
        // Paging: a page after each page's last id, until the pages run out.
        var pages: [[String]] = []
        var after: String? = nil
        while true {
            let page = try await listing.streams(inCategory: "order", after: after, limit: 3)
            if page.isEmpty { break }
            pages.append(page.map(\.stream.id))
            after = page.last?.stream.id
        }
        #expect(pages == [["B", "a-b", "ab"], ["b"]])
        #expect(
            try await listing.streams(inCategory: "order", after: "a", limit: 10).map(\.stream.id) == [
                "a-b", "ab", "b",
            ])
        #expect(try await listing.streams(inCategory: "order", after: "b", limit: 10).isEmpty)
        #expect(try await listing.streams(inCategory: "account", after: nil, limit: 10).map(\.stream.id) == ["a"])
        #expect(try await listing.streams(inCategory: "nothing", after: nil, limit: 10).isEmpty)
        await expectError(.invalidArgument) { _ = try await listing.streams(inCategory: "order", after: nil, limit: 0) }
    }

    static func findingByTarget(_ factory: Factory) async throws {
        let store = try await fresh(factory)
        let listing = try listing(store)
        let alice = EntityReference(type: "customer", id: "alice")
        let bob = EntityReference(type: "customer", id: "bob")
        func targeted(_ target: EntityReference?) -> NewEvent {
            NewEvent(type: "was_noted", data: [:], metadata: EventMetadata(target: target))
        }
        try await store.append([targeted(alice), targeted(nil)], to: stream("order:2"))  // 1, 2
        try await store.append([targeted(bob)], to: stream("order:1"))  // 3
        try await store.append([targeted(nil), targeted(alice)], to: stream("order:3"))  // 4, 5
        try await store.append([targeted(alice)], to: stream("invoice:1"))  // 6
        try await store.append([targeted(EntityReference(type: "customer", id: "alice2"))], to: stream("order:4"))
        try await store.append([targeted(EntityReference(type: "supplier", id: "alice"))], to: stream("order:5"))
        try await store.append([targeted(nil)], to: stream("order:2"))  // 9
        let byAlice = LogFilter(target: alice)
        #expect(try await store.readLog(after: 0, filter: byAlice, limit: 10).map(\.position) == [1, 5, 6])
        #expect(try await store.readLog(after: 1, filter: byAlice, limit: 1).map(\.position) == [5])
        let ordersByAlice = LogFilter(streamCategories: ["order"], target: alice)
        #expect(try await store.readLog(after: 0, filter: ordersByAlice, limit: 10).map(\.position) == [1, 5])
        let orders = try await listing.streams(inCategory: "order", after: nil, limit: 10, target: alice)
        #expect(orders.map(\.stream.id) == ["2", "3"])
        // A summary is the whole stream's, not only its targeted events'.
        #expect(orders.map(\.length) == [3, 2])
        #expect(orders.map(\.lastPosition) == [9, 5])
        #expect(
            try await listing.streams(inCategory: "order", after: "2", limit: 10, target: alice).map(\.stream.id) == [
                "3"
            ])
        #expect(
            try await listing.streams(inCategory: "order", after: nil, limit: 1, target: alice).map(\.stream.id) == [
                "2"
            ])
        #expect(
            try await listing.streams(inCategory: "order", after: nil, limit: 10, target: bob).map(\.stream.id) == ["1"]
        )
        let nobody = EntityReference(type: "customer", id: "nobody")
        #expect(try await listing.streams(inCategory: "order", after: nil, limit: 10, target: nobody).isEmpty)
        #expect(try await store.readLog(after: 0, filter: LogFilter(target: nobody), limit: 10).isEmpty)
    }
}
