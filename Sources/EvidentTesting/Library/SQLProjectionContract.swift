public import Evident
import Foundation
import Synchronization
import Testing

/// The contract of projections whose read model lives in the store's own database (`SQLiteProjection`,
/// `PostgresProjection`): writes and checkpoint commit together, failing events are parked with their writes
/// rolled back, inline projections run in the append's transaction and fail only their own append, and a
/// reactor's checkpoint survives reopening the database.
///
/// Each store's tests write the *totals* projection in its SQL: per stream, a row with the number of events and
/// the sum of their `amount`, in a table named after the projection. It writes an event of type `was_poisoned`
/// like any other, then throws ``Poisoned`` (unless it accepts poison), so a failure must roll its writes back.
///
/// ```swift
/// @Test(arguments: SQLProjectionContract.cases)
/// func projections(_ check: SQLProjectionContract.Case) async throws {
///     try await check.run { inlineTotals in … }   // a Subject on a fresh database
/// }
/// ```
public enum SQLProjectionContract {
    /// What the totals projection throws on an event of type `was_poisoned`.
    public struct Poisoned: Error, CustomStringConvertible {
        public init() {}
        public var description: String { "poisoned event" }
    }

    /// A store on a fresh database and the totals projection for it.
    public struct Subject: Sendable {
        /// The store; with the totals projection named `inline` as an inline projection when the factory was
        /// asked for one.
        public var store: any EventStore & CheckpointStore & SubjectKeyStore
        /// A runner (with `configuration`, and `opener` for personal values) of the totals projection named `totals`,
        /// which refuses poisoned events, or, `acceptingPoison`, a fixed version of it.
        public var totals:
            @Sendable (
                _ acceptingPoison: Bool, _ configuration: ProjectionRunnerConfiguration, _ opener: PersonalDataOpener?
            ) -> ProjectionRunner
        /// The rows of the totals projection `name`, by stream: `[events, amount]`; none when its table is missing.
        public var rows: @Sendable (_ name: String) async throws -> [String: [Int]]
        /// Deletes the rows of the totals projection `name`.
        public var deleteRows: @Sendable (_ name: String) async throws -> Void
        /// The store's `rebuildInlineProjection(named:opening:)`.
        public var rebuildInlineProjection:
            @Sendable (_ name: String, _ opener: PersonalDataOpener?) async throws -> Void
        /// The store's `consumerStatuses()`.
        public var consumerStatuses: @Sendable () async throws -> [ProjectionStatus]
        /// Opens another store on the same database, as another process would.
        public var reopen: @Sendable () async throws -> any EventStore & CheckpointStore

        public init(
            store: any EventStore & CheckpointStore & SubjectKeyStore,
            totals: @escaping @Sendable (Bool, ProjectionRunnerConfiguration, PersonalDataOpener?) -> ProjectionRunner,
            rows: @escaping @Sendable (String) async throws -> [String: [Int]],
            deleteRows: @escaping @Sendable (String) async throws -> Void,
            rebuildInlineProjection: @escaping @Sendable (String, PersonalDataOpener?) async throws -> Void,
            consumerStatuses: @escaping @Sendable () async throws -> [ProjectionStatus],
            reopen: @escaping @Sendable () async throws -> any EventStore & CheckpointStore
        ) {
            self.store = store
            self.totals = totals
            self.rows = rows
            self.deleteRows = deleteRows
            self.rebuildInlineProjection = rebuildInlineProjection
            self.consumerStatuses = consumerStatuses
            self.reopen = reopen
        }
    }

    /// Makes a subject on a fresh database, with the totals projection named `inline` inline when
    /// `inlineTotals`.
    public typealias Factory = @Sendable (_ inlineTotals: Bool) async throws -> Subject

    /// One property of the contract.
    public typealias Case = ContractCase<Factory>

    /// Every property of the contract.
    public static let cases: [Case] = [
        Case(
            name: "a catch-up projection fills its table and keeps its checkpoint in the same database",
            body: catchUp),
        Case(
            name: "the checkpoint commits with the projection's writes: a failing batch leaves neither",
            body: atomicCheckpoint),
        Case(
            name: "a failing event is parked and its writes rolled back; replay after a fix; rebuild from zero",
            body: parkReplayRebuild),
        Case(
            name: "inline projections run in the append's transaction; a failing one fails only its own append",
            body: inline),
        Case(name: "reactors keep a durable checkpoint in the database", body: reactorCheckpoint),
        Case(
            name:
                "over a privacy store, projections see personal values as reads do, with the opener, and forget a forgotten subject's rows",
            body: personalData),
    ]

    static var quick: ProjectionRunnerConfiguration {
        var configuration = ProjectionRunnerConfiguration()
        configuration.retry = RetryPolicy(maximumAttempts: 2, initialBackoff: .milliseconds(1))
        configuration.pageSize = 7
        configuration.pollInterval = .milliseconds(20)
        return configuration
    }

    static func seed(_ store: any EventStore, count: Int, poisoned: Set<Int> = []) async throws {
        for index in 1...count {
            let type = poisoned.contains(index) ? "was_poisoned" : "was_credited"
            try await store.append(
                [NewEvent(type: type, data: ["amount": .int(index)])], to: StreamName("account:\(index % 4)"))
        }
    }

    static func total(_ rows: [String: [Int]], _ column: Int) -> Int {
        rows.values.map { $0[column] }.reduce(0, +)
    }

    static func catchUp(_ factory: Factory) async throws {
        let subject = try await factory(false)
        try await seed(subject.store, count: 30)
        let runner = subject.totals(false, quick, nil)
        #expect(try await runner.catchUp() == 30)
        let rows = try await subject.rows("totals")
        #expect(total(rows, 0) == 30)
        #expect(total(rows, 1) == 465)
        #expect(try await subject.store.checkpoint(of: "totals") == 30)
        #expect(try await runner.lag() == 0)
    }

    static func atomicCheckpoint(_ factory: Factory) async throws {
        let subject = try await factory(false)
        try await seed(subject.store, count: 5, poisoned: [4])
        let consumer = subject.totals(false, quick, nil).consumer
        let events = try await subject.store.readLog(after: 0, filter: .all, limit: 10)
        await #expect(throws: Poisoned.self) { try await consumer.handle(events, through: 5) }
        #expect(try await subject.rows("totals").isEmpty, "rows of the failed batch were committed")
        #expect(try await consumer.checkpoint() == 0, "the checkpoint moved without its writes")
        try await consumer.handle(Array(events.prefix(3)), through: 3)
        #expect(try await total(subject.rows("totals"), 0) == 3)
        #expect(try await consumer.checkpoint() == 3)
    }

    static func parkReplayRebuild(_ factory: Factory) async throws {
        let subject = try await factory(false)
        let store = subject.store
        try await seed(store, count: 20, poisoned: [9])
        let runner = subject.totals(false, quick, nil)
        try await runner.catchUp()
        let parked = try await runner.parkedEvents()
        #expect(parked.map(\.position) == [9] && parked[0].error == "poisoned event" && parked[0].attempts == 2)
        #expect(try await total(subject.rows("totals"), 0) == 19)
        #expect(try await runner.status() == ProjectionStatus(name: "totals", checkpoint: 20, head: 20, parked: 1))
        try await store.append([NewEvent(type: "was_credited")], to: StreamName("account:9"))
        #expect(
            try await subject.consumerStatuses() == [
                ProjectionStatus(name: "totals", checkpoint: 20, head: 21, parked: 1)
            ])
        #expect(try await runner.catchUp() == 21)
        #expect(try await runner.replayParked().map(\.position) == [9], "still failing: stays parked")

        // The fix: a projection of the same name that accepts the event.
        let fixed = subject.totals(true, quick, nil)
        #expect(try await fixed.replayParked().isEmpty)
        #expect(try await fixed.parkedEvents().isEmpty)
        let afterReplay = try await subject.rows("totals")
        #expect(total(afterReplay, 0) == 21)
        #expect(try await fixed.rebuild() == 21)
        #expect(try await subject.rows("totals") == afterReplay, "the rebuild equals the caught-up and replayed model")
    }

    static func inline(_ factory: Factory) async throws {
        let subject = try await factory(true)
        let store = subject.store
        try await withThrowingTaskGroup(of: Bool.self) { group in
            for index in 1...40 {
                group.addTask {
                    do {
                        let type = index.isMultiple(of: 10) ? "was_poisoned" : "was_credited"
                        try await store.append(
                            [NewEvent(type: type, data: ["amount": .int(index)])],
                            to: StreamName("account:\(index % 4)"))
                        return true
                    } catch let error as ProjectionError {
                        #expect(error.code == .inlineProjectionFailed && error.projection == "inline")
                        return false
                    }
                }
            }
            var written = 0
            for try await ok in group where ok { written += 1 }
            #expect(written == 36)
        }
        #expect(try await store.headPosition() == 36)
        let rows = try await subject.rows("inline")
        #expect(total(rows, 0) == 36, "every written event is in the read model at once")
        let expectedAmount = (1...40).filter { !$0.isMultiple(of: 10) }.reduce(0, +)
        #expect(total(rows, 1) == expectedAmount)
        try await subject.deleteRows("inline")
        try await subject.rebuildInlineProjection("inline", nil)
        #expect(try await subject.rows("inline") == rows)
    }

    static func reactorCheckpoint(_ factory: Factory) async throws {
        final class Seen: Reactor {
            let name = "seen"
            let count = Mutex(0)
            func react(to event: RecordedEvent) async throws { count.withLock { $0 += 1 } }
        }
        let subject = try await factory(false)
        let seen = Seen()
        try await seed(subject.store, count: 10)
        try await subject.store.runner(for: seen, configuration: quick).catchUp()
        let reopened = try await subject.reopen()
        try await seed(reopened, count: 3)
        try await reopened.runner(for: seen, configuration: quick).catchUp()
        #expect(seen.count.withLock { $0 } == 13, "events before the checkpoint were delivered again")
    }

    /// Amounts are personal values here: the totals projection must add them up in clear, never as ciphertext.
    static func personalData(_ factory: Factory) async throws {
        let subject = try await factory(true)
        let privacy = PrivacyEventStore(subject.store)
        func paid(_ amount: Int, by customer: String) -> NewEvent {
            var event = NewEvent(type: "was_credited", data: ["amount": .int(amount)])
            event.personalData = PersonalData(subject: customer, fields: [PersonalField(path: ["amount"])])
            return event
        }
        try await privacy.append([paid(5, by: "ann"), paid(7, by: "ann")], to: StreamName("account:ann"))
        try await privacy.append([paid(11, by: "bob")], to: StreamName("account:bob"))
        let both = ["account:ann": [2, 12], "account:bob": [1, 11]]
        #expect(try await subject.rows("inline") == both, "inline projections see the values as appended")

        let blind = subject.totals(false, quick, nil)
        try await blind.catchUp()
        let parked = try await blind.parkedEvents()
        #expect(parked.count == 3, "without the opener, sealed events are parked, not added up as ciphertext")
        #expect(parked.allSatisfy { $0.error.contains("opening: privacy.opener") })
        let seeing = subject.totals(false, quick, privacy.opener)
        #expect(try await seeing.replayParked().isEmpty)
        #expect(try await subject.rows("totals") == both)

        let receipt = try #require(try await privacy.forget(subject: "ann"))
        #expect(receipt.streams == [try StreamName("account:ann")])
        try await seeing.catchUp()
        let onlyBob = ["account:bob": [1, 11]]
        #expect(try await subject.rows("totals") == onlyBob, "the catch-up projection forgot ann's rows")
        #expect(try await subject.rows("inline") == onlyBob, "the inline projection forgot ann's rows")

        await #expect(throws: ProjectionError.self) { try await subject.rebuildInlineProjection("inline", nil) }
        #expect(try await subject.rows("inline") == onlyBob, "a refused rebuild changes nothing")
        try await subject.rebuildInlineProjection("inline", privacy.opener)
        #expect(try await subject.rows("inline") == onlyBob)
        #expect(try await seeing.rebuild() == 4)
        #expect(try await subject.rows("totals") == onlyBob)
    }
}
