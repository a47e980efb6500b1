import Evident

/// How many streams and events each aggregate type has, and the streams of each created last: what the
/// console's overview and its aggregate search show (`GET /_streams`). The store has no query for it, so the
/// catalog follows the log, as a catch-up projection held in memory: a stream is counted at its first event
/// (version 1). Each call reads at most `budget` events past where the last one stopped, so the first calls on
/// a large store answer in bounded time with `complete: false` and the counts so far; memory is one entry per
/// aggregate type plus ``recentLimit`` ids for each.
actor StreamCatalog {
    struct TypeCount: Sendable {
        var streams = 0
        var events = 0
        /// The ids of the streams created last, newest last: the last ``StreamCatalog/recentLimit`` of them count.
        var recent: [String] = []
    }

    /// The counts up to `position`, and whether that is the log's head.
    struct Snapshot: Sendable {
        var types: [String: TypeCount]
        var position: Int64
        var head: Int64

        /// The ids of the streams of `type` created last that contain `search` (any case), newest first.
        func recent(of type: String, matching search: String, limit: Int) -> [String] {
            let search = search.lowercased()
            let ids = types[type]?.recent.suffix(StreamCatalog.recentLimit) ?? []
            return Array(
                ids.reversed().lazy.filter { search.isEmpty || $0.lowercased().contains(search) }.prefix(limit))
        }
    }

    /// How many of the streams created last the catalog keeps per aggregate type, for search.
    static let recentLimit = 1_000
    private static let pageSize = 1_000

    private var types: [String: TypeCount] = [:]
    private var position: Int64 = 0

    /// Reads up to `budget` more events of `store`'s log, then answers the counts.
    func refresh(from store: any EventStore, budget: Int) async throws -> Snapshot {
        var read = 0
        while read < budget {
            let start = position
            let page = try await store.readLog(after: start, filter: .all, limit: Self.pageSize)
            // Another call may have moved on while this one waited for the store: count each event once.
            guard position == start else { continue }
            for event in page { count(event) }
            read += page.count
            if let last = page.last { position = last.position }
            if page.count < Self.pageSize { break }
        }
        let head = try await store.headPosition()
        return Snapshot(types: types, position: position, head: max(head, position))
    }

    private func count(_ event: RecordedEvent) {
        guard !event.stream.isSystem else { return }
        var entry = types[event.stream.category, default: TypeCount()]
        entry.events += 1
        if event.version == 1 {
            entry.streams += 1
            entry.recent.append(event.stream.id)
            // Trimmed in halves, so keeping the list costs O(1) per stream.
            if entry.recent.count >= 2 * Self.recentLimit { entry.recent.removeFirst(Self.recentLimit) }
        }
        types[event.stream.category] = entry
    }
}
