import CoreMetrics
import Evident
import EvidentSpec
import Foundation
import Synchronization

/// Aggregate states folded from their streams, with a cache: a cached state remembers the spec and the
/// version it has folded, and a read folds only the newer events onto it. Every read asks the store for
/// newer events, so a read after a write always sees the write; a spec change makes the cached states stale.
/// The cache is bounded by the serialized size of its states and drops the least recently used first.
/// A state folded past the spec's `maximumStateBytes` (a spec changed under stored events) is refused with
/// `stateTooLarge` rather than served.
///
/// The write path folds from the primary store and the read path from the read store (a replica, which may
/// lag); they share one cache. That is safe because a cached state is never served without asking the store
/// at hand for the events after it: a cached state is a prefix of its stream whichever store it came from
/// (stored events never change), so a write decides on the primary's current state, and a read whose
/// consistency token the read store has reached (``SpecEngine/waitUntilVisible(_:timeout:)``) sees every
/// event up to the token. A state cached from the primary may be ahead of the read store: newer than a token
/// asks, never older. (Serving a cached state without asking would break any token past its last event.)
final class AggregateStates: Sendable {
    /// A folded state with the recording times of its first and last events, and the state serialized once
    /// it is cached, so that reads of an unchanged state do not serialize it again.
    struct Folded: Sendable {
        var result = FoldResult(state: CompiledAggregateType.initialState)
        var createdAt: Date?
        var updatedAt: Date?
        var serializedState: [UInt8]?

        mutating func fold(_ events: some BidirectionalCollection<RecordedEvent>, with type: CompiledAggregateType) {
            guard let last = events.last else { return }
            if result.version == 0 { createdAt = events.first?.recordedAt }
            updatedAt = last.recordedAt
            result = type.fold(events, onto: result)
            serializedState = nil
        }
    }

    private struct Entry {
        var specHash: String
        var folded: Folded
    }

    /// How many events one read of a stream asks for.
    static let pageSize = 1_000

    private let entries: Mutex<LRUCache<StreamName, Entry>>
    /// When the states of streams that held a forgotten subject's values were dropped: a fold of one of them
    /// that started before may have read those values, and is not cached.
    private let dropped = Mutex<[StreamName: ContinuousClock.Instant]>([:])
    private let metrics: EngineMetrics

    /// `capacityBytes`: the most bytes of serialized state the cache holds.
    init(capacityBytes: Int, metrics: EngineMetrics) {
        self.entries = Mutex(LRUCache(capacity: capacityBytes))
        self.metrics = metrics
    }

    /// The current state of `stream` under `spec`, as `store` holds it (or newer, from the cache); `cached: false`
    /// folds from the first event.
    func current(
        _ stream: StreamName, in store: any EventStore, type: CompiledAggregateType, specHash: String,
        cached: Bool = true
    ) async throws -> Folded {
        let start = ContinuousClock.now
        defer { metrics.foldTime.recordNanoseconds(start.duration(to: .now).nanoseconds) }
        let known =
            cached
            ? entries.withLock { $0.value(for: stream) }.flatMap { $0.specHash == specHash ? $0.folded : nil } : nil
        metrics.cacheLookup(hit: known != nil)
        let folded = try await fold(stream, in: store, type: type, onto: known ?? Folded())
        if let known, known.result.version == folded.result.version { return known }
        if let dropped = dropped.withLock({ $0[stream] }), dropped >= start {
            _ = try Self.size(of: folded, stream, limits: type.limits)
            return folded
        }
        return try remember(stream, folded, specHash: specHash, limits: type.limits)
    }

    /// Drops the cached states of `streams`, which held the personal values of a subject just forgotten.
    func drop(_ streams: [StreamName]) {
        let now = ContinuousClock.now
        entries.withLock { entries in
            for stream in streams { entries.remove(stream) }
        }
        dropped.withLock { dropped in
            // No fold runs for a minute (the request deadlines are far shorter), so older marks can go.
            dropped = dropped.filter { now - $0.value < .seconds(60) }
            for stream in streams { dropped[stream] = now }
        }
    }

    /// The state of `stream` up to a version or an instant, as `store` holds it; never cached.
    func past(_ stream: StreamName, in store: any EventStore, type: CompiledAggregateType, upTo cutoff: StreamCutoff)
        async throws -> Folded
    {
        let folded = try await fold(stream, in: store, type: type, onto: Folded(), upTo: cutoff)
        _ = try Self.size(of: folded, stream, limits: type.limits)
        return folded
    }

    /// Folds the events of `stream` in `store` after the ones `folded` holds, a page at a time, up to `cutoff`.
    private func fold(
        _ stream: StreamName, in store: any EventStore, type: CompiledAggregateType, onto folded: Folded,
        upTo cutoff: StreamCutoff? = nil
    ) async throws -> Folded {
        var folded = folded
        while true {
            let page = try await store.readStream(
                stream, from: folded.result.version + 1, direction: .forward, limit: Self.pageSize)
            let included = page.prefix { event in
                switch cutoff {
                case nil: true
                case .version(let version): event.version <= version
                case .recordedAt(let instant): event.recordedAt <= instant
                }
            }
            folded.fold(included, with: type)
            if included.count < Self.pageSize { return folded }
            try SpecLimits.checkDeadline()
        }
    }

    /// Keeps a state just folded, serialized, so the next read need not fold or serialize it again, and
    /// returns it; throws `stateTooLarge` when it is larger than the spec allows.
    func remember(_ stream: StreamName, _ folded: Folded, specHash: String, limits: SpecLimits) throws -> Folded {
        var folded = folded
        let size = try Self.size(of: folded, stream, limits: limits)
        folded.serializedState = folded.result.state.serialized()
        let cachedBytes = entries.withLock { entries in
            if let existing = entries.value(for: stream), existing.specHash == specHash,
                existing.folded.result.version > folded.result.version
            {
                return entries.totalCost
            }
            entries.set(
                Entry(specHash: specHash, folded: folded), cost: size + stream.description.utf8.count, for: stream)
            return entries.totalCost
        }
        metrics.cacheBytes.record(cachedBytes)
        return folded
    }

    /// The serialized size of a folded state, counted no further than the limit it must stay within.
    private static func size(of folded: Folded, _ stream: StreamName, limits: SpecLimits) throws -> Int {
        let size = folded.result.state.serializedSize(limit: limits.maximumStateBytes)
        guard size <= limits.maximumStateBytes else {
            throw SpecError(
                code: .stateTooLarge,
                message: "the state of \(stream) is over the limit of \(limits.maximumStateBytes) bytes "
                    + "(maximumStateBytes); raise --max-state-bytes to read it, or change the spec's handlers")
        }
        return size
    }
}
