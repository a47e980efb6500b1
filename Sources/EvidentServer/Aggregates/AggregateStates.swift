import CoreMetrics
import Evident
import Foundation
import EvidentSpec
import Synchronization

/// Aggregate states folded from their streams, with a cache: a cached state remembers the spec and the
/// version it has folded, and a read folds only the newer events onto it. Every read asks the store for
/// newer events, so a read after a write always sees the write; a spec change makes the cached states stale.
final class AggregateStates: Sendable {
    /// A folded state with the recording times of its first and last events.
    struct Folded: Sendable {
        var result: FoldResult
        var createdAt: Date?
        var updatedAt: Date?

        mutating func fold(_ events: [RecordedEvent], with type: CompiledAggregateType) {
            guard let last = events.last else { return }
            if result.version == 0 { createdAt = events.first?.recordedAt }
            updatedAt = last.recordedAt
            result = type.fold(events, onto: result)
        }
    }

    private struct Entry {
        var specHash: String
        var folded: Folded
    }

    private let store: any EventStore
    private let capacity: Int
    private let entries = Mutex<[StreamName: Entry]>([:])
    private let metrics: ServerMetrics

    init(store: any EventStore, capacity: Int, metrics: ServerMetrics) {
        self.store = store
        self.capacity = capacity
        self.metrics = metrics
    }

    /// The current state of `stream` under `spec`; `cached: false` folds from the first event.
    func current(_ stream: StreamName, type: CompiledAggregateType, specHash: String, cached: Bool = true)
        async throws -> Folded
    {
        let start = ContinuousClock.now
        defer { metrics.foldTime.recordNanoseconds(start.duration(to: .now).nanoseconds) }
        let known = cached ? entries.withLock { $0[stream] }.flatMap { $0.specHash == specHash ? $0.folded : nil } : nil
        metrics.cacheLookup(hit: known != nil)
        var folded = known ?? Folded(result: FoldResult(state: CompiledAggregateType.initialState))
        while true {
            let page = try await store.readStream(
                stream, from: folded.result.version + 1, direction: .forward, limit: 1_000)
            folded.fold(page, with: type)
            if page.count < 1_000 { break }
        }
        remember(stream, folded, specHash: specHash)
        return folded
    }

    /// The state of `stream` up to a version or an instant; never cached.
    func past(_ stream: StreamName, type: CompiledAggregateType, upTo cutoff: StreamCutoff) async throws -> Folded {
        var folded = Folded(result: FoldResult(state: CompiledAggregateType.initialState))
        folded.fold(try await store.readStream(stream, upTo: cutoff), with: type)
        return folded
    }

    /// Keeps a state just computed (after a write) so the next read need not fold it again.
    func remember(_ stream: StreamName, _ folded: Folded, specHash: String) {
        entries.withLock { entries in
            if let existing = entries[stream], existing.specHash == specHash,
                existing.folded.result.version > folded.result.version
            {
                return
            }
            if entries.count >= capacity, entries[stream] == nil {
                // Make room: drop an arbitrary half. Cheap, and a dropped state is only refolded.
                for key in entries.keys.prefix(capacity / 2) { entries[key] = nil }
            }
            entries[stream] = Entry(specHash: specHash, folded: folded)
        }
    }
}
