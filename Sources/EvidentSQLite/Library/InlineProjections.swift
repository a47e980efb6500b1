import Evident
import Foundation
import GRDB

extension AppendSQL {
    /// Runs the inline projections that want `event`, inside the append's savepoint; a projection that
    /// throws fails this append only, with ``ProjectionError`` code `inlineProjectionFailed`.
    func applyInlineProjections(_ event: NewEvent, stream: StreamName, version: Int) throws {
        let recorded = RecordedEvent(
            id: event.id, stream: stream, type: event.type, data: event.data, metadata: event.metadata,
            version: version, position: head, recordedAt: Date(unixMilliseconds: recordedAt), hash: insertEvent.previous
        )
        for projection in inlineProjections where projection.filter.matches(recorded) {
            do {
                try projection.apply(recorded, in: db)
            } catch {
                throw ProjectionError.inlineProjectionFailed(
                    projection.name, eventType: event.type, stream: stream, underlying: error)
            }
        }
    }
}

extension SQLiteEventStore {
    /// Empties the inline projection `name` and applies the whole log to it again, in one transaction (appends
    /// wait meanwhile, so no event is missed or applied twice).
    public func rebuildInlineProjection(named name: String) async throws {
        guard let projection = configuration.inlineProjections.first(where: { $0.name == name }) else {
            throw EventStoreError.invalidArgument("No inline projection named '\(name)' in this store's configuration.")
        }
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
                for event in page where projection.filter.matches(event) {
                    try projection.apply(event, in: db)
                }
                position = last.position
            }
        }
    }
}
