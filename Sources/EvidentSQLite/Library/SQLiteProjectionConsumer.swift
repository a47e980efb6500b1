public import Evident
import Foundation
import GRDB
import Synchronization

/// Drives a ``SQLiteProjection`` for a ``ProjectionRunner``: a batch of events, the read-model writes and
/// the checkpoint commit in one transaction of the store's database.
public final class SQLiteProjectionConsumer: CatchUpConsumer {
    public let projection: any SQLiteProjection
    let store: SQLiteEventStore
    let opener: PersonalDataOpener?
    private let prepared = Mutex(false)

    /// `opener` opens personal values sealed by a ``PrivacyEventStore`` over `store`.
    public init(projection: any SQLiteProjection, store: SQLiteEventStore, opening opener: PersonalDataOpener? = nil) {
        self.projection = projection
        self.store = store
        self.opener = opener
    }

    public var name: String { projection.name }
    public var filter: LogFilter { projection.filter }
    public var isRebuildable: Bool { true }
    public var receivesForgettings: Bool { true }

    public func checkpoint() async throws -> Int64 {
        try await store.checkpoint(of: name)
    }

    public func handle(_ events: [RecordedEvent], through position: Int64) async throws {
        let projection = projection
        let name = name
        let opener = opener
        let prepare = !prepared.withLock { $0 }
        try await writeApplying { db in
            if prepare { try projection.prepare(db) }
            try Self.apply(events, to: projection, named: name, opening: opener, in: db)
            try SQLiteCheckpoints.save(db, consumer: name, position: max(position, events.last?.position ?? 0))
        }
        if prepare { prepared.withLock { $0 = true } }
    }

    public func park(_ event: RecordedEvent, error: any Error, attempts: Int) async throws {
        try await store.park(ParkedEvent(consumer: name, event: event, error: error, attempts: attempts))
    }

    public func parkedEvents() async throws -> [ParkedEvent] {
        try await store.parkedEvents(of: name)
    }

    public func replay(_ event: RecordedEvent) async throws {
        let projection = projection
        let name = name
        let opener = opener
        try await writeApplying { db in
            try projection.prepare(db)
            try Self.apply([event], to: projection, named: name, opening: opener, in: db)
            try SQLiteCheckpoints.unpark(db, consumer: name, position: event.position)
        }
    }

    /// Hands `events` to the projection with their personal values opened, in `db`'s transaction.
    private static func apply(
        _ events: [RecordedEvent], to projection: any SQLiteProjection, named name: String,
        opening opener: PersonalDataOpener?,
        in db: Database
    ) throws {
        for event in try SQLiteEventStore.openPersonalValues(events, with: opener, for: name, in: db) {
            try ProjectionFailure.wrap { try projection.handle(event, in: db) }
        }
    }

    public func reset() async throws {
        let projection = projection
        let name = name
        try await writeApplying { db in
            try projection.prepare(db)
            try ProjectionFailure.wrap { try projection.reset(db) }
            try SQLiteCheckpoints.reset(db, consumer: name)
        }
    }

    /// Runs `body` in a write transaction; errors of the projection's own code come out as they were
    /// thrown (so the runner retries and parks), the database's as ``EventStoreError``s.
    private func writeApplying(_ body: @Sendable @escaping (Database) throws -> Void) async throws {
        do {
            try await store.write(body)
        } catch let failure as ProjectionFailure {
            throw failure.underlying
        }
    }
}
