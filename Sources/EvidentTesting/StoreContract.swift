public import Evident
import Foundation
import Testing

/// The contract every ``EventStore`` must honour, written once and run against each store.
///
/// ```swift
/// @Test(arguments: StoreContract.cases)
/// func contract(_ check: StoreContract.Case) async throws {
///     try await check.run { options in InMemoryEventStore(maximumStreamLength: options.maximumStreamLength) }
/// }
/// ```
public enum StoreContract {
    /// What a test asks of the fresh store it is given.
    public struct Options: Sendable {
        public var maximumStreamLength: Int?
    }

    /// Makes a fresh, empty store.
    public typealias Factory = @Sendable (Options) async throws -> any EventStore

    /// One property of the contract.
    public typealias Case = ContractCase<Factory>

    /// Every property of the contract.
    public static let cases: [Case] = [
        Case(name: "append then read back", body: appendThenReadBack),
        Case(name: "expected version: any", body: expectedAny),
        Case(name: "expected version: no stream", body: expectedNoStream),
        Case(name: "expected version: stream exists", body: expectedStreamExists),
        Case(name: "expected version: exact", body: expectedExact),
        Case(name: "idempotent retry and conflicting key", body: idempotency),
        Case(name: "multi-stream append is atomic", body: multiStreamAtomicity),
        Case(name: "stream length guard", body: streamLengthGuard),
        Case(name: "duplicate event id", body: duplicateEventId),
        Case(name: "reading forward, backward, with limits", body: readingStreams),
        Case(name: "reading the log with filters", body: readingTheLog),
        Case(name: "large events, and reads longer than a page", body: largeEventsAndLongReads),
        Case(name: "stream info", body: streamInfo),
        Case(name: "listing a category's streams in id order", body: listingStreams),
        Case(name: "finding events and streams by target", body: findingByTarget),
        Case(name: "time travel by version and timestamp", body: timeTravel),
        Case(name: "32 concurrent writers with exact expectations", body: concurrentExactWriters),
        Case(name: "failing appends do not fail concurrent neighbours", body: failuresAreIsolated),
        Case(name: "positions contiguous and in commit order under 8 writers", body: positionsInCommitOrder),
        Case(name: "subscriber receives every event once, in order", body: subscriberSeesEverything),
    ]

    // MARK: - Helpers

    static func stream(_ name: String) -> StreamName {
        try! StreamName(name)
    }

    static func event(_ type: String = "was_recorded", _ data: JSON = [:]) -> NewEvent {
        NewEvent(type: type, data: data)
    }

    static func events(_ count: Int, type: String = "was_recorded") -> [NewEvent] {
        (0..<count).map { event(type, ["n": .int($0)]) }
    }

    /// Expects `body` to fail with an ``EventStoreError`` of `code`, and returns it.
    @discardableResult
    static func expectError(
        _ code: EventStoreError.Code, sourceLocation: SourceLocation = #_sourceLocation,
        _ body: () async throws -> Void
    ) async -> EventStoreError? {
        do {
            try await body()
            Issue.record("expected error \(code), but the call succeeded", sourceLocation: sourceLocation)
            return nil
        } catch let error as EventStoreError {
            #expect(error.code == code, "\(error)", sourceLocation: sourceLocation)
            return error
        } catch {
            Issue.record("expected EventStoreError \(code), got \(error)", sourceLocation: sourceLocation)
            return nil
        }
    }

    static func fresh(_ factory: Factory, maximumStreamLength: Int? = nil) async throws -> any EventStore {
        try await factory(Options(maximumStreamLength: maximumStreamLength))
    }

    static func allEvents(_ store: any EventStore) async throws -> [RecordedEvent] {
        var events: [RecordedEvent] = []
        while true {
            let page = try await store.readLog(after: events.last?.position ?? 0, filter: .all, limit: 1_000)
            if page.isEmpty { return events }
            events += page
        }
    }
}
