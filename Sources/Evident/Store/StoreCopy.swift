public import Foundation

/// A store whose whole content can be read and written as it is, for ``StoreCopy`` (`evident copy`): events
/// with their ids, positions, versions and times; idempotency keys; snapshots; checkpoints and parked events.
/// The stored spec and API keys are events of system streams, so they travel with the log.
public protocol CopyableStore: EventStore, SnapshotStore, CheckpointStore, SubjectKeyStore, VerifiableStore {
    /// Appends `events` exactly as they are. They must continue the log: the first one's position is the head
    /// plus one, and positions and each stream's versions follow on without holes.
    func importEvents(_ events: [RecordedEvent]) async throws
    /// Up to `limit` idempotency records with a key after `key` (all keys when nil), in key order.
    func idempotencyRecords(after key: String?, limit: Int) async throws -> [IdempotencyRecord]
    /// Stores `records` as they are.
    func importIdempotencyRecords(_ records: [IdempotencyRecord]) async throws
    /// Up to `limit` snapshots of streams named after `stream` (all when nil), in name order.
    func snapshots(after stream: String?, limit: Int) async throws -> [Snapshot]
    /// Every consumer with a checkpoint, and its position, in name order.
    func checkpoints() async throws -> [(consumer: String, position: Int64)]
    /// Up to `limit` subject keys with a subject hash after `subjectHash` (all when nil), in hash order.
    func subjectKeys(after subjectHash: String?, limit: Int) async throws -> [SubjectKey]
    /// Stores `keys` as they are, destroyed ones included.
    func importSubjectKeys(_ keys: [SubjectKey]) async throws
}

/// What a store keeps of an append made with an idempotency key.
public struct IdempotencyRecord: Sendable, Hashable {
    public var key: String
    public var fingerprint: String
    /// The append's results as the store keeps them (``IdempotentAppend``).
    public var results: [AppendResult]
    public var recordedAt: Date

    public init(key: String, fingerprint: String, results: [AppendResult], recordedAt: Date) {
        self.key = key
        self.fingerprint = fingerprint
        self.results = results
        self.recordedAt = recordedAt
    }
}

/// Copies a whole store into an empty one, then reads both back and compares them.
public enum StoreCopy {
    /// How many of each kind were copied (and found equal in both stores).
    public struct Counts: Sendable, Hashable {
        public var events = 0
        public var idempotencyKeys = 0
        public var snapshots = 0
        public var checkpoints = 0
        public var parkedEvents = 0
        /// Data subjects' keys, destroyed ones included.
        public var subjectKeys = 0

        public init(
            events: Int = 0, idempotencyKeys: Int = 0, snapshots: Int = 0, checkpoints: Int = 0, parkedEvents: Int = 0,
            subjectKeys: Int = 0
        ) {
            self.events = events
            self.idempotencyKeys = idempotencyKeys
            self.snapshots = snapshots
            self.checkpoints = checkpoints
            self.parkedEvents = parkedEvents
            self.subjectKeys = subjectKeys
        }
    }

    /// Copies `source` into `target`, which must hold no events, calling `progress` with the events copied so
    /// far and the source's head. Fails with `invalidArgument` when the target holds events, and with
    /// `storageFailure` when the comparison afterwards finds a difference.
    public static func run(
        from source: any CopyableStore, to target: any CopyableStore, pageSize: Int = 1_000,
        progress: @Sendable (_ copied: Int64, _ head: Int64) -> Void = { _, _ in }
    ) async throws -> Counts {
        guard try await target.headPosition() == 0 else {
            throw EventStoreError.invalidArgument(
                "The target store holds events; copy only into an empty store, so positions stay as they are.")
        }
        let head = try await source.headPosition()
        var counts = Counts()
        try await forEachPage(
            { try await source.readLog(after: $0 ?? 0, filter: .all, limit: pageSize) }, cursor: \.position
        ) { page, _ in
            try await target.importEvents(page)
            counts.events += page.count
            progress(page.last!.position, max(head, page.last!.position))
        }
        try await forEachPage({ try await source.idempotencyRecords(after: $0, limit: pageSize) }, cursor: \.key) {
            page, _ in
            try await target.importIdempotencyRecords(page)
            counts.idempotencyKeys += page.count
        }
        try await forEachPage(
            { try await source.snapshots(after: $0, limit: pageSize) }, cursor: \.stream.description
        ) { page, _ in
            for snapshot in page { try await target.saveSnapshot(snapshot) }
            counts.snapshots += page.count
        }
        for (consumer, checkpoint) in try await source.checkpoints() {
            try await target.saveCheckpoint(checkpoint, of: consumer)
            for parked in try await source.parkedEvents(of: consumer) {
                try await target.park(parked)
                counts.parkedEvents += 1
            }
            counts.checkpoints += 1
        }
        try await forEachPage({ try await source.subjectKeys(after: $0, limit: pageSize) }, cursor: \.subjectHash) {
            page, _ in
            try await target.importSubjectKeys(page)
            counts.subjectKeys += page.count
        }
        try await compare(source, target, pageSize: pageSize)
        return counts
    }

    /// Reads both stores in pages and fails at the first difference.
    public static func compare(_ source: any CopyableStore, _ target: any CopyableStore, pageSize: Int = 1_000)
        async throws
    {
        func differ(_ what: String) -> EventStoreError {
            EventStoreError(
                code: .storageFailure, message: "The copy differs from the source: \(what). Do not use the copy.")
        }
        try await forEachPage(
            { try await source.readLog(after: $0 ?? 0, filter: .all, limit: pageSize) }, cursor: \.position
        ) { expected, after in
            guard try await target.readLog(after: after ?? 0, filter: .all, limit: pageSize) == expected else {
                throw differ("the events after position \(after ?? 0)")
            }
        }
        try await forEachPage({ try await source.idempotencyRecords(after: $0, limit: pageSize) }, cursor: \.key) {
            expected, after in
            guard try await target.idempotencyRecords(after: after, limit: pageSize) == expected else {
                throw differ("the idempotency keys after \(after ?? "the first")")
            }
        }
        try await forEachPage(
            { try await source.snapshots(after: $0, limit: pageSize) }, cursor: \.stream.description
        ) { expected, after in
            guard try await target.snapshots(after: after, limit: pageSize) == expected else {
                throw differ("the snapshots after \(after ?? "the first")")
            }
        }
        try await forEachPage({ try await source.subjectKeys(after: $0, limit: pageSize) }, cursor: \.subjectHash) {
            expected, after in
            guard try await target.subjectKeys(after: after, limit: pageSize) == expected else {
                throw differ("the data subjects' keys after \(after ?? "the first")")
            }
        }
        // Both ends: a target with more than the source differs too.
        guard try await target.headPosition() == source.headPosition() else { throw differ("the log's head") }
        let checkpoints = try await source.checkpoints()
        let copiedCheckpoints = try await target.checkpoints()
        guard checkpoints.map(\.consumer) == copiedCheckpoints.map(\.consumer),
            checkpoints.map(\.position) == copiedCheckpoints.map(\.position)
        else { throw differ("the checkpoints") }
        for (consumer, _) in checkpoints {
            guard try await source.parkedEvents(of: consumer) == target.parkedEvents(of: consumer) else {
                throw differ("the parked events of \(consumer)")
            }
        }
    }

    /// Reads pages with `read` from the start (a nil cursor) until one is empty, calling `body` with each page
    /// and the cursor it was read after.
    private static func forEachPage<Item, Cursor>(
        _ read: (Cursor?) async throws -> [Item], cursor: (Item) -> Cursor,
        _ body: ([Item], Cursor?) async throws -> Void
    ) async throws {
        var after: Cursor?
        while true {
            let page = try await read(after)
            guard let last = page.last else { return }
            try await body(page, after)
            after = cursor(last)
        }
    }
}
