import Foundation
public import Logging
import Synchronization

/// Runs one projection or reactor over the log: reads from its checkpoint page by page, hands the events to
/// its ``CatchUpConsumer``, and follows the log live. Written once against ``EventStore`` and
/// ``CatchUpConsumer``, so it works with every store.
///
/// An event that makes the consumer throw is retried (see ``RetryPolicy``) and then parked with its error;
/// the runner moves on and says so in the log. Storage failures (``EventStoreError``) are not parked: the
/// runner waits and tries the same page again.
///
/// ```swift
/// let runner = ProjectionRunner(store: store, consumer: CheckpointedConsumer(projection, checkpoints: checkpoints))
/// try await withThrowingTaskGroup(of: Void.self) { group in
///     group.addTask { try await runner.run() }
///     let result = try await accounts.handle(.deposit(amount: 5), for: "42")
///     try await runner.waitUntil(position: result.position, timeout: .seconds(5))   // read your writes
///     group.cancelAll()
/// }
/// ```
public final class ProjectionRunner: Sendable {
    public let store: any EventStore
    public let consumer: any CatchUpConsumer
    public let configuration: ProjectionRunnerConfiguration
    let logger: Logger
    /// Announces checkpoints reached by this runner, to wake ``waitUntil(position:timeout:)`` at once.
    private let progress = PositionWatch()
    private let isRunning = Mutex(false)

    public init(
        store: any EventStore, consumer: any CatchUpConsumer,
        configuration: ProjectionRunnerConfiguration = ProjectionRunnerConfiguration(),
        logger: Logger = Logger(label: "evident.projection", factory: { _ in SwiftLogNoOpLogHandler() })
    ) {
        self.store = store
        self.consumer = consumer
        self.configuration = configuration
        var logger = logger
        logger[metadataKey: "projection"] = "\(consumer.name)"
        self.logger = logger
    }

    /// The projection's or reactor's name.
    public var name: String { consumer.name }

    /// Catches up, then follows the log until the task is cancelled; returns (without error) on
    /// cancellation, after the batch under way is committed or rolled back.
    public func run() async throws {
        try beginRun()
        defer { isRunning.withLock { $0 = false } }
        logger.info("Projection runner started")
        let clock = ContinuousClock()
        var lastReplayCheck: ContinuousClock.Instant?
        while !Task.isCancelled {
            do {
                let reached = try await step()
                // Replay requests are looked for when caught up, and at least once per poll interval when busy.
                if reached == nil || lastReplayCheck.map({ clock.now - $0 >= configuration.pollInterval }) ?? true {
                    lastReplayCheck = clock.now
                    try await replayRequested()
                }
                if reached == nil {
                    try await store.waitForAppends(
                        after: try await consumer.checkpoint(), timeout: configuration.pollInterval)
                }
            } catch is CancellationError {
                break
            } catch {
                logger.info("Projection runner failed; trying again", metadata: ["error": "\(error)"])
                try? await Task.sleep(for: configuration.failureBackoff)
            }
        }
        logger.info("Projection runner stopped")
    }

    /// Handles every event up to the log's head as of the call, then returns the checkpoint.
    @discardableResult
    public func catchUp() async throws -> Int64 {
        try beginRun()
        defer { isRunning.withLock { $0 = false } }
        return try await catchUpToHead()
    }

    /// Empties the read model, its checkpoint and its parked events, and projects the whole log again.
    /// Reactors are not rebuildable.
    @discardableResult
    public func rebuild() async throws -> Int64 {
        guard consumer.isRebuildable else {
            throw ProjectionError(
                code: .notRebuildable, message: "\(name) is a reactor; reactors are not rebuilt.", projection: name)
        }
        try beginRun()
        defer { isRunning.withLock { $0 = false } }
        logger.info("Rebuilding projection from zero")
        try await consumer.reset()
        return try await catchUpToHead()
    }

    /// The checkpoint, the log's head, the lag and the number of parked events.
    public func status() async throws -> ProjectionStatus {
        let checkpoint = try await consumer.checkpoint()
        let head = try await store.headPosition()
        return ProjectionStatus(
            name: name, checkpoint: checkpoint, head: head, parked: try await consumer.parkedEvents().count)
    }

    /// How many positions the projection is behind the log's head.
    public func lag() async throws -> Int64 {
        let checkpoint = try await consumer.checkpoint()
        return max(0, try await store.headPosition() - checkpoint)
    }

    /// Returns once the projection has handled every event up to `position` (read your writes), or throws
    /// ``ProjectionError`` with code `timedOut`. Works whether the runner is in this process or another.
    public func waitUntil(position: Int64, timeout: Duration) async throws {
        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        while true {
            let checkpoint = try await consumer.checkpoint()
            if checkpoint >= position { return }
            let remaining = deadline - clock.now
            guard remaining > .zero else {
                throw ProjectionError(
                    code: .timedOut,
                    message: "Projection \(name) did not reach position \(position) within \(timeout) "
                        + "(it is at \(checkpoint)); is its runner running?",
                    projection: name, position: position)
            }
            try await progress.wait(after: position - 1, timeout: min(remaining, configuration.pollInterval))
        }
    }

    /// The events parked after failing every retry.
    public func parkedEvents() async throws -> [ParkedEvent] {
        try await consumer.parkedEvents()
    }

    /// Handles every parked event again (or those at `positions`), in log order (after a fix); returns those that
    /// still fail, which stay parked with their new error.
    @discardableResult
    public func replayParked(positions: Set<Int64>? = nil) async throws -> [ParkedEvent] {
        try await replay(try await parked(at: positions))
    }

    /// Honours the consumer's latest ``ReplayRequest`` (made with `POST /_consumers/{name}/replay`) when no
    /// runner has yet: replays the parked events it names, then records a ``ReplayCompletion``. Returns the
    /// completion, or nil when no request was pending or another runner of this consumer recorded it first.
    /// ``run()`` calls it whenever it is caught up; a program that calls ``catchUp()`` instead calls this too.
    /// One read of a small stream when nothing is pending.
    @discardableResult
    public func replayRequested() async throws -> ReplayCompletion? {
        guard let state = try await ReplayState.latest(of: name, in: store), state.completion == nil else {
            return nil
        }
        let wanted = try await parked(at: state.request.positions.map(Set.init))
        let failing = Set(try await replay(wanted).map(\.position))
        let completion = ReplayCompletion(
            request: state.requestEvent.version,
            replayed: wanted.map(\.position).filter { !failing.contains($0) }, stillParked: failing.sorted())
        do {
            try await store.append(
                [completion.event], to: state.requestEvent.stream, expectedVersion: .exact(state.requestEvent.version))
        } catch let error as EventStoreError where error.code == .wrongExpectedVersion {
            logger.info("Another runner recorded the replay request's completion first")
            return nil
        }
        logger.info(
            "Honoured a replay request",
            metadata: ["replayed": "\(completion.replayed.count)", "still_parked": "\(failing.count)"])
        return completion
    }

    /// The parked events, or those at `positions`.
    private func parked(at positions: Set<Int64>?) async throws -> [ParkedEvent] {
        let parked = try await consumer.parkedEvents()
        guard let positions else { return parked }
        return parked.filter { positions.contains($0.position) }
    }

    /// Handles `parked` again, in order; returns those that still fail, parked again with their new error.
    private func replay(_ parked: [ParkedEvent]) async throws -> [ParkedEvent] {
        var failing: [ParkedEvent] = []
        for parked in parked {
            guard let event = try await store.readLog(after: parked.position - 1, filter: .all, limit: 1).first,
                event.position == parked.position
            else {
                throw ProjectionError(
                    code: .eventNotFound,
                    message: "Parked event at position \(parked.position) of \(name) is not in the log.",
                    projection: name, position: parked.position)
            }
            do {
                try await consumer.replay(event)
                logger.info("Replayed a parked event", metadata: ["position": "\(event.position)"])
            } catch let error where Self.isStorageFailure(error) {
                throw error
            } catch {
                try await consumer.park(event, error: error, attempts: parked.attempts + 1)
                failing.append(ParkedEvent(consumer: name, event: event, error: error, attempts: parked.attempts + 1))
            }
        }
        return failing
    }

    // MARK: - The loop

    private func beginRun() throws {
        let started = isRunning.withLock { running in
            defer { running = true }
            return !running
        }
        guard started else {
            throw ProjectionError(
                code: .alreadyRunning, message: "The runner of \(name) is already running.", projection: name)
        }
    }

    private func catchUpToHead() async throws -> Int64 {
        let target = try await store.headPosition()
        var checkpoint = try await consumer.checkpoint()
        while checkpoint < target, let reached = try await step() {
            checkpoint = reached
        }
        return checkpoint
    }

    /// Handles one page after the checkpoint; returns the new checkpoint, or nil when there was nothing to do.
    func step() async throws -> Int64? {
        let checkpoint = try await consumer.checkpoint()
        let head = try await store.headPosition()
        guard head > checkpoint else { return nil }
        let filter = consumer.filter
        let receivesForgettings = consumer.receivesForgettings
        let read = try await store.readLog(
            after: checkpoint, filter: receivesForgettings ? filter.addingForgettingReceipts : filter,
            limit: configuration.pageSize)
        // Positions are in commit order: a short page holds every wanted event up to `head`.
        let through =
            read.count == configuration.pageSize ? read[read.count - 1].position : max(read.last?.position ?? 0, head)
        let page = read.filter { filter.matches($0) || (receivesForgettings && ForgettingReceipt.isReceipt($0)) }
        try await handle(page, through: through)
        progress.advance(to: through)
        return through
    }

    private func handle(_ page: [RecordedEvent], through: Int64) async throws {
        do {
            try await consumer.handle(page, through: through)
            return
        } catch let error where Self.isStorageFailure(error) {
            throw error
        } catch {
            logger.debug("A batch failed; handling its events one at a time", metadata: ["error": "\(error)"])
        }
        let resume = try await consumer.checkpoint()
        for event in page where event.position > resume {
            try await handleWithRetries(event)
        }
        if through > (page.last?.position ?? 0) {
            try await consumer.handle([], through: through)
        }
    }

    private func handleWithRetries(_ event: RecordedEvent) async throws {
        var attempt = 1
        while true {
            do {
                try await consumer.handle([event], through: event.position)
                return
            } catch let error where Self.isStorageFailure(error) {
                throw error
            } catch {
                guard attempt < configuration.retry.maximumAttempts else {
                    try await consumer.park(event, error: error, attempts: attempt)
                    logger.info(
                        "Parked an event after every retry failed; moving on",
                        metadata: [
                            "position": "\(event.position)", "stream": "\(event.stream)", "type": "\(event.type)",
                            "attempts": "\(attempt)", "error": "\(error)",
                        ])
                    return
                }
                try await Task.sleep(for: configuration.retry.backoff(afterAttempt: attempt))
                attempt += 1
            }
        }
    }

    static func isStorageFailure(_ error: any Error) -> Bool {
        error is CancellationError || error is EventStoreError
    }
}
