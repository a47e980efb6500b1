import Evident
import Foundation
import Logging

/// Fires the scheduled implications of an engine's store when they are due, by the engine's clock
/// (``EngineConfiguration/clock``). Any number of schedulers, in any number of processes, may run over one store:
/// each schedule is fired (or cancelled) once, because closing it is an append that expects its stream to hold
/// only its `scheduled` event (see ``SpecEngine/fire(_:)``).
///
/// It knows the pending schedules by listing the `$schedule` streams once, then by following the log for new
/// ones and for those closed elsewhere.
///
/// ```swift
/// let scheduler = Scheduler(engine: engine)
/// try await scheduler.fireDue()     // tests: fire what is due now, by the engine's clock
/// try await scheduler.run()         // servers: until the task is cancelled
/// ```
public actor Scheduler {
    public let engine: SpecEngine
    /// The longest the run loop waits before looking again: other nodes schedule too, and a clock that is not
    /// the system's may jump.
    public let pollInterval: Duration
    private var pending: [String: Schedule] = [:]
    /// The log position up to which `pending` follows the store; nil before the first listing.
    private var followed: Int64?

    public init(engine: SpecEngine, pollInterval: Duration = .seconds(1)) {
        self.engine = engine
        self.pollInterval = pollInterval
    }

    /// Fires every pending schedule that is due by the engine's clock, earliest first, and returns what each did,
    /// by schedule id. A schedule whose target kept changing stays pending (``ScheduleOutcome/deferred``), and so
    /// does one that failed with an error of the store: the first such error is thrown once the others are done.
    @discardableResult
    public func fireDue() async throws -> [String: ScheduleOutcome] {
        try await follow()
        let now = engine.configuration.clock()
        var outcomes: [String: ScheduleOutcome] = [:]
        // One schedule that cannot be fired now does not hold up the others: the first error is thrown after them.
        var failure: (any Error)?
        for schedule in pending.values.filter({ $0.dueAt <= now }).sorted(by: { $0.dueAt < $1.dueAt }) {
            do {
                let outcome = try await engine.fire(schedule)
                outcomes[schedule.id] = outcome
                if outcome != .deferred { pending[schedule.id] = nil }
            } catch is CancellationError {
                throw CancellationError()
            } catch {
                failure = failure ?? error
            }
        }
        if let failure { throw failure }
        return outcomes
    }

    /// The pending schedules this scheduler knows of, earliest due first.
    public var known: [Schedule] { pending.values.sorted { $0.dueAt < $1.dueAt } }

    /// Fires due schedules until the task is cancelled: after each round it waits until the next one is due, an
    /// append to the store, or ``pollInterval``, whichever comes first. Errors are logged and the loop goes on.
    public func run() async {
        while !Task.isCancelled {
            do {
                try await fireDue()
                let now = engine.configuration.clock()
                var wait = pollInterval
                if let next = pending.values.map(\.dueAt).min() {
                    wait = min(wait, .milliseconds(max(0, next.unixMilliseconds - now.unixMilliseconds)))
                }
                try await engine.store.waitForAppends(after: followed ?? 0, timeout: wait)
            } catch is CancellationError {
                return
            } catch {
                engine.logger.warning("Could not fire due schedules", metadata: ["error": "\(error)"])
                try? await Task.sleep(for: pollInterval)
            }
        }
    }

    /// Brings `pending` up to date: lists the pending schedules the first time, then reads the `$schedule` events
    /// appended since.
    private func follow() async throws {
        let store = engine.store
        let head = try await store.headPosition()
        guard var position = followed else {
            for schedule in try await engine.allPendingSchedules() { pending[schedule.id] = schedule }
            followed = head
            // Schedules made during the listing are read from the log next time; reading them twice is harmless.
            return
        }
        let filter = LogFilter(streamCategories: [Schedule.category])
        while true {
            let page = try await store.readLog(after: position, filter: filter, limit: 1_000)
            for event in page {
                if let schedule = Schedule(event) {
                    pending[schedule.id] = schedule
                } else {
                    pending[event.stream.id] = nil
                }
            }
            position = page.last?.position ?? position
            if page.count < 1_000 { break }
        }
        followed = max(position, head)
    }
}
