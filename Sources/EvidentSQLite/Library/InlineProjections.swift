public import Evident
import Foundation
import GRDB

extension AppendSQL {
    /// Runs the inline projections that want `event`, inside the append's savepoint; a projection that
    /// throws fails this append only, with ``ProjectionError`` code `inlineProjectionFailed`.
    func applyInlineProjections(_ event: NewEvent, stream: StreamName, version: Int) throws {
        let read = event.asRead
        let recorded = RecordedEvent(
            id: event.id, stream: stream, type: event.type, data: read.data, metadata: read.metadata,
            version: version, position: head, recordedAt: Date(unixMilliseconds: recordedAt), hash: insertEvent.previous
        )
        let isReceipt = ForgettingReceipt.isReceipt(recorded)
        for projection in inlineProjections where isReceipt || projection.filter.matches(recorded) {
            do {
                try projection.handle(recorded, in: db)
            } catch {
                throw ProjectionError.inlineProjectionFailed(
                    projection.name, eventType: event.type, stream: stream, underlying: error)
            }
        }
    }
}

extension SQLiteEventStore {
    /// Empties the inline projection `name` and applies the whole log to it again, in one transaction (appends
    /// wait meanwhile, so no event is missed or applied twice). Over a ``PrivacyEventStore``, pass its
    /// ``PrivacyEventStore/opener``: without it, a log with sealed personal values is refused.
    public func rebuildInlineProjection(named name: String, opening opener: PersonalDataOpener? = nil) async throws {
        guard let projection = configuration.inlineProjections.first(where: { $0.name == name }) else {
            throw EventStoreError.invalidArgument("No inline projection named '\(name)' in this store's configuration.")
        }
        do {
            try await write { db in
                try projection.reset(db)
                var position: Int64 = 0
                while true {
                    let page = try Self.fetchEvents(
                        db,
                        sql: """
                            SELECT id, stream, type, data, metadata, version, position, recorded_at FROM evident_events
                            WHERE position > ? ORDER BY position LIMIT 1000
                            """, arguments: [position], stream: nil, capacity: 1_000)
                    guard let last = page.last else { break }
                    let wanted = page.filter { projection.filter.matches($0) || ForgettingReceipt.isReceipt($0) }
                    for event in try Self.openPersonalValues(wanted, with: opener, for: name, in: db) {
                        try projection.handle(event, in: db)
                    }
                    position = last.position
                }
            }
        } catch let failure as ProjectionFailure {
            throw failure.underlying
        }
    }
}
