import Evident
import EvidentSpec
import Foundation
import Logging

extension SpecEngine {
    /// The pending schedules whose event goes to the aggregate `type`/`id`, in the order they were made, as
    /// ``readStore`` holds them: up to `limit` schedule streams after the schedule `after` are looked at, so a page
    /// may hold fewer (``SchedulePage/next`` says where to go on). Schedules the spec in force no longer declares are
    /// not listed: they are cancelled.
    ///
    /// Fails with `SpecError` when the spec declares no such type or the id is malformed.
    public func pendingSchedules(of type: String, _ id: String, after: String? = nil, limit: Int = 100) async throws
        -> SchedulePage
    {
        let current = try await specs.current()
        let compiled = try current.spec.requireAggregateType(type)
        let target = EntityReference(type: compiled.name, id: try current.spec.normalizedIdentifier(id))
        let page = try await readStore.streamListing().streams(
            inCategory: Schedule.category, after: after, limit: limit, target: target)
        let pending = try await Self.schedules(of: page, in: readStore).filter {
            current.spec.declaresSchedule($0.specSchedule)
        }
        return SchedulePage(schedules: pending, next: page.count == limit ? page.last?.stream.id : nil)
    }

    /// Every pending schedule in ``store``, in the order they were made. Reads the whole `$schedule` category:
    /// a scheduler does it once when it starts, and storing a spec to cancel what it no longer declares.
    func allPendingSchedules() async throws -> [Schedule] {
        let listing = try store.streamListing()
        var pending: [Schedule] = []
        var after: String?
        while true {
            let page = try await listing.streams(inCategory: Schedule.category, after: after, limit: 1_000)
            pending += try await Self.schedules(of: page, in: store)
            guard page.count == 1_000, let last = page.last else { return pending }
            after = last.stream.id
        }
    }

    /// The pending schedules of a listing page: the streams that hold only their `scheduled` event.
    private static func schedules(of page: [StreamSummary], in store: any EventStore) async throws -> [Schedule] {
        var schedules: [Schedule] = []
        for summary in page where summary.length == 1 {
            let first = try await store.readStream(summary.stream, from: 1, direction: .forward, limit: 1)
            if let schedule = first.first.flatMap(Schedule.init) { schedules.append(schedule) }
        }
        return schedules
    }

    /// Fires a due schedule: cancels it when the spec in force no longer declares it or its `cancel_if` holds for
    /// the target's state now, and otherwise writes its event through the write path (checked by the spec, with
    /// its own implications and schedules) together with the schedule's `fired` event, in one atomic append that
    /// expects the schedule stream to hold only its `scheduled` event: of two nodes firing it, one writes and the
    /// other gets ``ScheduleOutcome/closedElsewhere``. An event the spec refuses cancels the schedule with the
    /// refusal, and so does one the store refuses (a stream at its length limit, the personal values of a forgotten
    /// data subject). Other errors of the store are thrown, and the schedule stays pending.
    public func fire(_ schedule: Schedule) async throws -> ScheduleOutcome {
        try await receipts.refresh()
        let current = try await specs.current()
        let spec = current.spec
        guard spec.declaresSchedule(schedule.specSchedule) else {
            return try await cancel(schedule, ScheduleCancellation(reason: .specChanged))
        }
        // A write to the target between reading it and appending makes the append fail: read it again.
        for _ in 1...3 {
            do {
                let type = try spec.requireAggregateType(schedule.target.type)
                let stream = try StreamName(category: type.name, id: schedule.target.id)
                let target = try await states.current(stream, in: store, type: type, specHash: spec.contentHash).result
                let event = SpecEvent(
                    type: schedule.eventType, data: schedule.data, metadata: schedule.metadata,
                    aggregateType: type.name, aggregateID: stream.id, version: target.version + 1,
                    timestamp: configuration.clock().truncatedToMilliseconds)
                if try spec.cancelConditionHolds(
                    schedule: schedule.specSchedule, event: event, targetState: target.state)
                {
                    return try await cancel(schedule, ScheduleCancellation(reason: .cancelIf))
                }
                let request = WriteRequest(
                    aggregateType: type.name, aggregateID: stream.id,
                    events: [WriteRequest.Event(type: schedule.eventType, data: schedule.data)],
                    metadata: schedule.metadata, concurrency: .expectedLength(target.version),
                    idempotencyKey: schedule.idempotencyKey)
                let fired = StreamAppend(
                    stream: schedule.stream,
                    events: [NewEvent(type: Schedule.firedType, data: ["stream": .string(stream.description)])],
                    expectedVersion: .exact(1))
                let outcome = try await writer.write(request, spec: current, closing: fired)
                guard !outcome.result.isReplay else { return .closedElsewhere }
                logger.info(
                    "Schedule fired", metadata: ["schedule": "\(schedule.id)", "stream": "\(stream)"])
                return .fired
            } catch let error as EventStoreError where error.code == .wrongExpectedVersion {
                if error.stream == schedule.stream { return .closedElsewhere }
            } catch let error as EventStoreError where error.code == .idempotencyKeyConflict {
                // Another node fired it after reading the target at another length.
                return .closedElsewhere
            } catch let error as EventStoreError where Self.refusals.contains(error.code) {
                return try await cancel(schedule, ScheduleCancellation(reason: .refused, error: error.description))
            } catch let error as SpecError {
                return try await cancel(schedule, ScheduleCancellation(reason: .refused, error: error.description))
            } catch let error as EngineError {
                return try await cancel(schedule, ScheduleCancellation(reason: .refused, error: error.description))
            }
        }
        return .deferred
    }

    /// The errors of the store that refuse the event itself, so that firing it again would fail again: a stream at
    /// its length limit, personal values of a forgotten data subject.
    private static let refusals: Set<EventStoreError.Code> = [.invalidArgument, .invalidStreamName, .streamTooLong]

    /// Closes a pending schedule with a `cancelled` event saying why.
    func cancel(_ schedule: Schedule, _ cancellation: ScheduleCancellation) async throws -> ScheduleOutcome {
        do {
            try await store.append(
                [NewEvent(type: Schedule.cancelledType, data: cancellation.json)], to: schedule.stream,
                expectedVersion: .exact(1))
        } catch let error as EventStoreError where error.code == .wrongExpectedVersion {
            return .closedElsewhere
        }
        logger.info(
            "Schedule cancelled", metadata: ["schedule": "\(schedule.id)", "reason": "\(cancellation.reason.rawValue)"])
        return .cancelled(cancellation)
    }

    /// Cancels the pending schedules `spec` no longer declares, when it has just been stored. A failure is logged,
    /// not thrown (the spec is stored): such a schedule is cancelled anyway when its time comes.
    func cancelUndeclaredSchedules(_ spec: CompiledSpec) async {
        do {
            for schedule in try await allPendingSchedules() where !spec.declaresSchedule(schedule.specSchedule) {
                _ = try await cancel(schedule, ScheduleCancellation(reason: .specChanged))
            }
        } catch {
            logger.warning("Could not cancel the schedules the new spec drops", metadata: ["error": "\(error)"])
        }
    }
}

/// A page of pending schedules.
public struct SchedulePage: Sendable {
    public var schedules: [Schedule]
    /// The schedule id to list after for the next page; nil on the last page.
    public var next: String?
}
