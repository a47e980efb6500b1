/// A ``Projection`` or ``Reactor`` with its checkpoint and parked events in a ``CheckpointStore``.
///
/// The checkpoint is saved after each batch (and after the last event handled when one fails), so delivery
/// is at least once across crashes.
public struct CheckpointedConsumer: CatchUpConsumer {
    public let name: String
    public let filter: LogFilter
    public let isRebuildable: Bool
    public var receivesForgettings: Bool { true }
    private let checkpoints: any CheckpointStore
    private let handleEvent: @Sendable (RecordedEvent) async throws -> Void
    private let resetModel: @Sendable () async throws -> Void

    /// A projection, rebuildable.
    public init(_ projection: some Projection, checkpoints: any CheckpointStore) {
        name = projection.name
        filter = projection.filter
        isRebuildable = true
        self.checkpoints = checkpoints
        handleEvent = { event in
            if let receipt = try ForgettingReceipt.recorded(by: event) {
                try await projection.forget(receipt)
            } else {
                try await projection.apply(event)
            }
        }
        resetModel = { try await projection.reset() }
    }

    /// A reactor, never rebuilt.
    public init(_ reactor: some Reactor, checkpoints: any CheckpointStore) {
        name = reactor.name
        filter = reactor.filter
        isRebuildable = false
        self.checkpoints = checkpoints
        handleEvent = { event in
            if let receipt = try ForgettingReceipt.recorded(by: event) {
                try await reactor.forget(receipt)
            } else {
                try await reactor.react(to: event)
            }
        }
        resetModel = {}
    }

    public func checkpoint() async throws -> Int64 {
        try await checkpoints.checkpoint(of: name)
    }

    public func handle(_ events: [RecordedEvent], through position: Int64) async throws {
        var last: Int64?
        do {
            for event in events {
                try await handleEvent(event)
                last = event.position
            }
        } catch {
            if let last { try await checkpoints.saveCheckpoint(last, of: name) }
            throw error
        }
        try await checkpoints.saveCheckpoint(max(position, last ?? 0), of: name)
    }

    public func park(_ event: RecordedEvent, error: any Error, attempts: Int) async throws {
        try await checkpoints.park(ParkedEvent(consumer: name, event: event, error: error, attempts: attempts))
    }

    public func parkedEvents() async throws -> [ParkedEvent] {
        try await checkpoints.parkedEvents(of: name)
    }

    public func replay(_ event: RecordedEvent) async throws {
        try await handleEvent(event)
        try await checkpoints.unpark(position: event.position, of: name)
    }

    public func reset() async throws {
        try await resetModel()
        try await checkpoints.reset(name)
    }
}
