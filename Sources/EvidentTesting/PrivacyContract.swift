public import Evident
import Foundation
import Synchronization
import Testing

/// The contract of personal data on every store, through a ``PrivacyEventStore``: values sealed at rest,
/// opened on read, forgotten for good with a receipt, and a key table that holds under concurrent writers.
///
/// ```swift
/// @Test(arguments: PrivacyContract.cases)
/// func privacy(_ check: PrivacyContract.Case) async throws {
///     try await check.run { InMemoryEventStore() }
/// }
/// ```
public enum PrivacyContract {
    /// Makes a fresh, empty store that keeps subject keys and snapshots.
    public typealias Factory = @Sendable () async throws -> any EventStore & SubjectKeyStore & SnapshotStore

    /// One property of the contract.
    public typealias Case = ContractCase<Factory>

    /// Every property of the contract.
    public static let cases: [Case] = [
        Case(name: "personal values are sealed at rest and open on read", body: sealedAtRest),
        Case(name: "a store without encryption refuses personal data", body: plainStoreRefuses),
        Case(name: "forgetting: forgotten values, a receipt, and nothing new for the subject", body: forgetting),
        Case(name: "a value altered or moved to another event does not open", body: tampering),
        Case(name: "snapshots are sealed and stop opening once a subject is forgotten", body: snapshots),
        Case(name: "the master key wraps subject keys", body: masterKey),
        Case(name: "concurrent first writes of one subject share one key", body: concurrentFirstKey),
        Case(name: "an append sealed with a key destroyed since is refused", body: destroyedKey),
        Case(name: "a forgetting amid writers counts every event it made unreadable", body: racingForgetting),
        Case(name: "projections and reactors see values in clear and hear of forgettings", body: consumers),
    ]

    static let subject = "customer-42"
    static let other = "customer-7"

    static func registered(_ subject: String, email: String) -> NewEvent {
        NewEvent(
            type: "was_registered",
            data: ["email": .string(email), "name": "Ada", "plan": "pro", "address": ["city": "Oslo"]],
            personalData: PersonalData(
                subject: subject,
                fields: [
                    PersonalField(path: ["email"]), PersonalField(path: ["name"], forgotten: "[forgotten]"),
                    PersonalField(path: ["address", "city"]), PersonalField(path: ["phone"]),
                ]))
    }

    /// Every stored byte of the log, as the base store gives it.
    static func rawLog(_ store: any EventStore) async throws -> String {
        try await store.readLog(after: 0, filter: .all, limit: 10_000).map {
            $0.json.serializedString()
        }.joined(separator: "\n")
    }

    static func sealedAtRest(_ factory: Factory) async throws {
        let base = try await factory()
        let store = PrivacyEventStore(base)
        let stream = try StreamName("customer:42")
        try await store.append([registered(subject, email: "ada@example.com")], to: stream)
        let raw = try await rawLog(base)
        for secret in ["ada@example.com", "Ada", "Oslo"] {
            #expect(!raw.contains(secret), "\(secret) is stored in clear")
        }
        #expect(raw.contains("\"plan\":\"pro\""), "a value that is not personal is encrypted")
        let read = try #require(try await store.readStream(stream).first)
        #expect(read.data == ["email": "ada@example.com", "name": "Ada", "plan": "pro", "address": ["city": "Oslo"]])
        #expect(read.metadata.extra.isEmpty, "the key's description leaks into reads: \(read.metadata.extra)")
        #expect(try await store.readLog(after: 0, filter: .all, limit: 10) == [read])
        #expect(try await store.status(ofSubject: subject) == .live(events: 1, streams: [stream]))
        #expect(try await store.status(ofSubject: other) == .unknown)
    }

    static func plainStoreRefuses(_ factory: Factory) async throws {
        let base = try await factory()
        let error = await #expect(throws: EventStoreError.self) {
            try await base.append([registered(subject, email: "ada@example.com")], to: try StreamName("customer:42"))
        }
        #expect(error?.code == .invalidArgument)
        #expect(try await base.headPosition() == 0)
        let store = PrivacyEventStore(base)
        var spoofed = NewEvent(type: "was_noted")
        spoofed.metadata.extra["forgotten"] = ["data.email"]
        let reserved = await #expect(throws: EventStoreError.self) {
            try await store.append([spoofed], to: try StreamName("customer:42"))
        }
        #expect(reserved?.code == .invalidArgument)
    }

    static func forgetting(_ factory: Factory) async throws {
        let base = try await factory()
        let store = PrivacyEventStore(base)
        let first = try StreamName("customer:42")
        let second = try StreamName("order:1")
        let kept = try StreamName("customer:7")
        try await store.append([registered(subject, email: "ada@example.com")], to: first)
        try await store.append([registered(other, email: "bob@example.com")], to: kept)
        try await store.append(
            [
                NewEvent(
                    type: "was_shipped", data: ["to": "Ada, Oslo", "items": 2],
                    personalData: PersonalData(subject: subject, fields: [PersonalField(path: ["to"])]))
            ], to: second)
        try await store.append([NewEvent(type: "was_noted", data: ["note": "plain"])], to: first)

        let receipt = try #require(try await store.forget(subject: subject, reason: "erasure request #12"))
        #expect(receipt.events == 2)
        #expect(receipt.streams == [first, second])
        #expect(receipt.reason == "erasure request #12")
        #expect(receipt.headPosition == 4)
        #expect(receipt.isAbout(subject: subject) && !receipt.isAbout(subject: other))
        #expect(!receipt.subjectHash.contains(subject))
        #expect(receipt.event?.stream == PrivacyEventStore.receiptsStream)
        #expect(receipt.event?.position == 5)

        let forgotten = try await store.readStream(first)
        #expect(forgotten[0].data == ["email": nil, "name": "[forgotten]", "plan": "pro", "address": ["city": nil]])
        #expect(forgotten[0].metadata.extra["forgotten"] == ["data.email", "data.name", "data.address.city"])
        #expect(forgotten[1].data == ["note": "plain"])
        #expect(try await store.readStream(second)[0].data == ["to": nil, "items": 2])
        #expect(try await store.readStream(kept)[0].data["email"] == "bob@example.com")
        let log = try await store.readLog(after: 0, filter: .all, limit: 100)
        #expect(
            log.map(\.data) == [
                forgotten[0].data,
                ["email": "bob@example.com", "name": "Ada", "plan": "pro", "address": ["city": "Oslo"]],
                ["to": nil, "items": 2], ["note": "plain"], receipt.json,
            ])

        #expect(try await store.status(ofSubject: subject) == .forgotten(receipt))
        #expect(try await store.forget(subject: subject) == nil, "forgetting twice must change nothing")
        #expect(try await store.forget(subject: "nobody") == nil)
        #expect(try await store.headPosition() == 5)
        let refused = await #expect(throws: EventStoreError.self) {
            try await store.append([registered(subject, email: "ada@new.example")], to: first)
        }
        #expect(refused?.code == .invalidArgument)
        try await store.append([NewEvent(type: "was_noted")], to: first)
    }

    static func tampering(_ factory: Factory) async throws {
        let base = try await factory()
        let store = PrivacyEventStore(base)
        let stream = try StreamName("customer:42")
        try await store.append([registered(subject, email: "ada@example.com")], to: stream)
        // The sealed values and their description, copied by hand into another event.
        let stored = try await base.readStream(stream)[0]
        try await base.append([NewEvent(type: stored.type, data: stored.data, metadata: stored.metadata)], to: stream)
        let error = await #expect(throws: EventStoreError.self) { _ = try await store.readStream(stream) }
        #expect(error?.code == .storageFailure)
        #expect(error?.message.contains("position 2") == true)
    }

    static func snapshots(_ factory: Factory) async throws {
        let base = try await factory()
        let store = PrivacyEventStore(base)
        let stream = try StreamName("customer:42")
        let plain = try StreamName("counter:1")
        try await store.append([registered(subject, email: "ada@example.com")], to: stream)
        try await store.append([NewEvent(type: "was_counted")], to: plain)
        let state: JSON = ["email": "ada@example.com", "plan": "pro"]
        try await store.saveSnapshot(Snapshot(stream: stream, version: 1, schemaVersion: 1, state: state))
        try await store.saveSnapshot(Snapshot(stream: plain, version: 1, schemaVersion: 1, state: ["n": 1]))
        let raw = try #require(try await base.snapshot(of: stream))
        #expect(!raw.state.serializedString().contains("ada@example.com"))
        #expect(try await base.snapshot(of: plain)?.state == ["n": 1], "a snapshot with no personal data is sealed")
        #expect(try await store.snapshot(of: stream)?.state == state)

        // A later snapshot starts from the earlier one's keys.
        try await store.append([NewEvent(type: "was_noted")], to: stream)
        try await store.saveSnapshot(Snapshot(stream: stream, version: 2, schemaVersion: 1, state: state))
        #expect(try await base.snapshot(of: stream)?.state["$sealed"] != nil)
        #expect(try await store.snapshot(of: stream)?.state == state)

        _ = try await store.forget(subject: subject)
        #expect(try await base.snapshot(of: stream) == nil, "forgetting must delete the subject's snapshots")
        #expect(try await store.snapshot(of: plain)?.state == ["n": 1])
        // One sealed by a node that had not seen the forgetting yet does not open either.
        try await base.saveSnapshot(raw)
        #expect(try await store.snapshot(of: stream) == nil)
    }

    static func masterKey(_ factory: Factory) async throws {
        let base = try await factory()
        let key = try MasterKey(text: String(repeating: "ab", count: 32))
        let store = PrivacyEventStore(base, masterKey: key)
        let stream = try StreamName("customer:42")
        try await store.append([registered(subject, email: "ada@example.com")], to: stream)
        #expect(
            try await PrivacyEventStore(base, masterKey: key).readStream(stream)[0].data["email"] == "ada@example.com")
        let wrong = PrivacyEventStore(base, masterKey: try MasterKey(text: String(repeating: "cd", count: 32)))
        let error = await #expect(throws: EventStoreError.self) { _ = try await wrong.readStream(stream) }
        #expect(error?.code == .storageFailure)
        await #expect(throws: EventStoreError.self) { _ = try await PrivacyEventStore(base).readStream(stream) }
        #expect(throws: EventStoreError.self) { try MasterKey(text: "too short") }
        _ = try MasterKey(text: Data(repeating: 7, count: 32).base64EncodedString() + "\n")
    }

    static func concurrentFirstKey(_ factory: Factory) async throws {
        let base = try await factory()
        // Rounds of writers racing for a new subject's first key; a writer that lost the race must still encrypt
        // with the key that won (PostgreSQL: the winner's row may commit after the loser's statement began).
        for round in 0..<5 {
            let subject = "customer-race-\(round)"
            try await withThrowingTaskGroup(of: Void.self) { group in
                for writer in 0..<8 {
                    group.addTask {
                        try await PrivacyEventStore(base).append(
                            [registered(subject, email: "ada\(writer)@example.com")],
                            to: try StreamName("customer:r\(round)w\(writer)"))
                    }
                }
                try await group.waitForAll()
            }
            guard case .live(let count, _) = try await PrivacyEventStore(base).status(ofSubject: subject) else {
                Issue.record("the subject has no live key")
                return
            }
            #expect(count == 8, "the writers made more than one key for one subject")
        }
        let events = try await PrivacyEventStore(base).readLog(after: 0, filter: .all, limit: 100)
        #expect(Set(events.compactMap { $0.data["email"]?.string }).count == 8)
        #expect(events.count == 40 && events.allSatisfy { $0.metadata.extra["forgotten"] == nil })
    }

    static func destroyedKey(_ factory: Factory) async throws {
        let base = try await factory()
        let store = PrivacyEventStore(base)
        let stream = try StreamName("customer:42")
        try await store.append([registered(subject, email: "ada@example.com")], to: stream)
        // What a writer that read the subject's key just before the forgetting appends just after it.
        let key = try #require(try await base.subjectKey(subjectHash: PrivacyEventStore.subjectHash(subject)))
        let receipt = try #require(try await store.forget(subject: subject))
        #expect(receipt.events == 1)
        let head = try await base.headPosition()
        await #expect(throws: SubjectKeyConflict.self) {
            try await base.append(
                [StreamAppend(stream: stream, events: [NewEvent(type: "was_renamed", data: ["name": "sealed"])])],
                idempotency: nil, keeping: [], checking: [key])
        }
        #expect(try await base.headPosition() == head, "a refused append must write nothing")
        try await store.append([registered(other, email: "bob@example.com")], to: try StreamName("customer:7"))
        let live = try #require(try await base.subjectKey(subjectHash: PrivacyEventStore.subjectHash(other)))
        try await base.append(
            [StreamAppend(stream: stream, events: [NewEvent(type: "was_noted")])], idempotency: nil, keeping: [],
            checking: [live])
        #expect(try await base.headPosition() == head + 2)
    }

    static func racingForgetting(_ factory: Factory) async throws {
        let base = try await factory()
        let store = PrivacyEventStore(base)
        try await store.append([registered(subject, email: "ada@example.com")], to: try StreamName("customer:42"))
        // Writers append the subject's values until the forgetting refuses them; it starts once they have
        // appended some. Whatever comes between, the receipt must count every event that holds their values.
        let (appends, appended) = AsyncStream.makeStream(of: Void.self)
        let receipt = try await withThrowingTaskGroup(of: ForgettingReceipt?.self) { group in
            for writer in 0..<4 {
                group.addTask {
                    let stream = try StreamName("customer:w\(writer)")
                    for _ in 0..<1_000 {
                        do {
                            try await store.append([registered(subject, email: "w\(writer)@example.com")], to: stream)
                        } catch let error as EventStoreError where error.code == .invalidArgument {
                            return nil
                        }
                        appended.yield()
                        // The in-memory store never suspends: let the forgetting run.
                        await Task.yield()
                    }
                    Issue.record("writer \(writer) was never refused")
                    return nil
                }
            }
            group.addTask {
                var count = 0
                for await _ in appends {
                    count += 1
                    if count == 8 { break }
                }
                return try await store.forget(subject: subject)
            }
            var receipt: ForgettingReceipt?
            for try await result in group where result != nil { receipt = result }
            return receipt
        }
        appended.finish()
        let written = try await store.readLog(after: 0, filter: .all, limit: 10_000).filter {
            $0.stream.category == "customer"
        }
        #expect(written.count > 8)
        #expect(written.allSatisfy { $0.metadata.extra["forgotten"] != nil })
        #expect(receipt?.events == written.count)
    }

    static func consumers(_ factory: Factory) async throws {
        final class Emails: Projection {
            let name: String
            let filter = LogFilter(streamCategories: ["customer"], excludesSystemStreams: true)
            let rows = Mutex<[String: String]>([:])
            let receipts = Mutex<[ForgettingReceipt]>([])
            init(name: String) { self.name = name }
            func apply(_ event: RecordedEvent) async throws {
                rows.withLock { $0[event.stream.id] = event.data["email"]?.string ?? "(none)" }
            }
            func reset() async throws { rows.withLock { $0 = [:] } }
            func forget(_ receipt: ForgettingReceipt) async throws {
                receipts.withLock { $0.append(receipt) }
                rows.withLock { rows in
                    for stream in receipt.streams { rows[stream.id] = nil }
                }
            }
        }
        struct Mailer: Reactor {
            let emails: Emails
            var name: String { emails.name }
            var filter: LogFilter { emails.filter }
            func react(to event: RecordedEvent) async throws { try await emails.apply(event) }
            func forget(_ receipt: ForgettingReceipt) async throws { try await emails.forget(receipt) }
        }
        let store = PrivacyEventStore(try await factory())
        let checkpoints = InMemoryCheckpointStore()
        let projection = Emails(name: "emails")
        let reactor = Emails(name: "mailer")
        let runners = [
            ProjectionRunner(store: store, consumer: CheckpointedConsumer(projection, checkpoints: checkpoints)),
            ProjectionRunner(
                store: store, consumer: CheckpointedConsumer(Mailer(emails: reactor), checkpoints: checkpoints)),
        ]
        try await store.append([registered(subject, email: "ada@example.com")], to: StreamName("customer:42"))
        try await store.append([registered(other, email: "bo@example.com")], to: StreamName("customer:7"))
        for runner in runners { try await runner.catchUp() }
        for emails in [projection, reactor] {
            #expect(emails.rows.withLock { $0 } == ["42": "ada@example.com", "7": "bo@example.com"])
        }

        let receipt = try #require(try await store.forget(subject: subject))
        for runner in runners { try await runner.catchUp() }
        for emails in [projection, reactor] {
            #expect(emails.rows.withLock { $0 } == ["7": "bo@example.com"], "\(emails.name) forgot the subject's rows")
            #expect(emails.receipts.withLock { $0.map(\.subjectHash) } == [receipt.subjectHash])
            #expect(emails.receipts.withLock { $0.first?.isAbout(subject: subject) } == true)
        }
        #expect(try await runners[0].rebuild() == 3)
        #expect(projection.rows.withLock { $0 } == ["7": "bo@example.com"], "a rebuild forgets again, in log order")
    }
}
