public import Evident
import Foundation
import Testing

/// The contract every store that keeps snapshots must honour, run through a ``Repository``: loading with a
/// snapshot gives exactly the state of a full replay, stale snapshots are ignored and replaced, and time
/// travel ignores snapshots past the cut-off.
///
/// ```swift
/// @Test(arguments: SnapshotContract.cases)
/// func snapshots(_ check: SnapshotContract.Case) async throws {
///     try await check.run { InMemoryEventStore() }
/// }
/// ```
public enum SnapshotContract {
    /// Makes a fresh, empty store that also keeps snapshots.
    public typealias Factory = @Sendable () async throws -> any EventStore & SnapshotStore

    /// One property of the contract.
    public typealias Case = ContractCase<Factory>

    /// Every property of the contract.
    public static let cases: [Case] = [
        Case(name: "save, read, replace and delete a snapshot", body: roundTrip),
        Case(name: "loading with a snapshot equals a full replay (random sequences)", body: snapshotEqualsReplay),
        Case(name: "a snapshot of another schema version is ignored and replaced", body: staleSnapshot),
        Case(name: "time travel uses only snapshots at or before the cut-off", body: timeTravel),
    ]

    static func roundTrip(_ factory: Factory) async throws {
        let store = try await factory()
        let stream = try StreamName("tally:round-trip")
        #expect(try await store.snapshot(of: stream) == nil)
        let first = Snapshot(stream: stream, version: 3, schemaVersion: 1, state: ["total": 3])
        try await store.saveSnapshot(first)
        #expect(try await store.snapshot(of: stream) == first)
        let second = Snapshot(stream: stream, version: 9, schemaVersion: 2, state: ["total": 9, "name": "n"])
        try await store.saveSnapshot(second)
        #expect(try await store.snapshot(of: stream) == second)
        try await store.deleteSnapshot(of: stream)
        #expect(try await store.snapshot(of: stream) == nil)
    }

    static func snapshotEqualsReplay(_ factory: Factory) async throws {
        let store = try await factory()
        for seed in UInt64(1)...40 {
            var generator = SeededGenerator(seed: seed)
            let every = Int.random(in: 1...25, using: &generator)
            let snapshotting = Repository(
                store: store, decider: Tally(), category: "tally", snapshots: store,
                policy: SnapshotPolicy(every: every))
            let replaying = Repository(store: store, decider: Tally(), category: "tally")
            let id = "seed-\(seed)"
            var all: [TallyEvent] = []
            for _ in 0..<Int.random(in: 0...30, using: &generator) {
                let batch = (0..<Int.random(in: 1...8, using: &generator)).map { _ in
                    TallyEvent.random(using: &generator)
                }
                all += batch
                try await snapshotting.handle(.apply(batch), for: id)
            }
            let withSnapshot = try await snapshotting.load(id)
            let replayed = try await replaying.load(id)
            let expected = Tally().fold(all)
            #expect(replayed.state == expected, "full replay differs from the fold (seed \(seed))")
            #expect(withSnapshot.state == expected, "snapshot load differs from a full replay (seed \(seed))")
            #expect(withSnapshot.version == all.count && replayed.version == all.count)
            if all.count >= every {
                #expect(withSnapshot.snapshotVersion != nil, "no snapshot was used (seed \(seed), every \(every))")
            }
            // And at a random earlier version, with snapshots allowed.
            let cutoff = Int.random(in: 0...all.count, using: &generator)
            let past = try await snapshotting.load(id, at: .version(cutoff))
            #expect(past.state == Tally().fold(all.prefix(cutoff)), "time travel differs (seed \(seed))")
            #expect(past.version == cutoff)
        }
    }

    static func staleSnapshot(_ factory: Factory) async throws {
        let store = try await factory()
        let stream = try StreamName("tally:stale")
        let old = Repository(
            store: store, decider: Tally(), category: "tally", snapshots: store,
            policy: SnapshotPolicy(every: 5, schemaVersion: 1))
        let events = (1...12).map { TallyEvent.added(Added(amount: $0)) }
        try await old.handle(.apply(events), for: "stale")
        #expect(try await store.snapshot(of: stream)?.schemaVersion == 1)
        // A snapshot whose state is garbage but whose schema version is old must not be read.
        try await store.saveSnapshot(Snapshot(stream: stream, version: 12, schemaVersion: 1, state: ["total": 999_999]))
        let new = Repository(
            store: store, decider: Tally(), category: "tally", snapshots: store,
            policy: SnapshotPolicy(every: 5, schemaVersion: 2))
        let loaded = try await new.load("stale")
        #expect(loaded.snapshotVersion == nil, "a snapshot of an old schema version was used")
        #expect(loaded.state == Tally().fold(events))
        let replaced = try #require(try await store.snapshot(of: stream))
        #expect(replaced.schemaVersion == 2 && replaced.version == 12, "the stale snapshot was not replaced")
        #expect(try await new.load("stale").snapshotVersion == 12)
        // A snapshot that no longer decodes falls back to a full replay.
        try await store.saveSnapshot(
            Snapshot(stream: stream, version: 12, schemaVersion: 2, state: ["unexpected": true]))
        let fallback = try await new.load("stale")
        #expect(fallback.state == Tally().fold(events) && fallback.snapshotVersion == nil)
    }

    static func timeTravel(_ factory: Factory) async throws {
        let store = try await factory()
        let tallies = Repository(
            store: store, decider: Tally(), category: "tally", snapshots: store, policy: SnapshotPolicy(every: 10))
        let events = (1...25).map { TallyEvent.added(Added(amount: $0)) }
        for event in events { try await tallies.handle(.apply([event]), for: "travel") }
        #expect(try await store.snapshot(of: StreamName("tally:travel"))?.version == 20)
        let at15 = try await tallies.load("travel", at: .version(15))
        // Only the latest snapshot (20) is kept, so version 15 is a replay.
        #expect(at15.state == Tally().fold(events.prefix(15)) && at15.snapshotVersion == nil)
        let at22 = try await tallies.load("travel", at: .version(22))
        #expect(at22.state == Tally().fold(events.prefix(22)) && at22.snapshotVersion == 20)
        let now = try await tallies.load("travel", at: .recordedAt(Date().addingTimeInterval(60)))
        #expect(now.state == Tally().fold(events) && now.snapshotVersion == nil)
        let before = try await tallies.load("travel", at: .recordedAt(Date(timeIntervalSince1970: 0)))
        #expect(before.version == 0 && before.state == TallyState())
    }
}
