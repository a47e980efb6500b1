import CoreMetrics
import Evident
import EvidentSpec
import Foundation

/// The write path: checks events against the spec (type, ids, actor, schema, `requires`, handlers), plans
/// their implications, and appends everything in one atomic multi-stream append, with a `$schedule:<uuid>` stream
/// for each schedule the events start. It reads and writes only the primary store: a write must never decide on
/// stale states.
struct EventWriter: Sendable {
    let store: any EventStore
    let states: AggregateStates
    let metrics: EngineMetrics
    let clock: @Sendable () -> Date

    /// Checks and appends `request`; `closing`, when given, is appended in the same atomic append (the `fired`
    /// event of the schedule the request fires).
    func write(_ request: WriteRequest, spec current: SpecVersion, closing: StreamAppend? = nil) async throws
        -> WriteOutcome
    {
        let idempotency = try request.idempotency()
        if let idempotency, let stored = try await store.idempotentAppend(forKey: idempotency.key) {
            guard stored.fingerprint == idempotency.fingerprint else {
                throw EventStoreError.idempotencyKeyConflict(idempotency.key)
            }
            return WriteOutcome(
                stream: stored.results[0].stream, result: stored.results[0],
                implied: stored.results.dropFirst().filter { !$0.stream.isSystem })
        }
        let spec = current.spec
        let hash = spec.contentHash
        let type = try spec.requireAggregateType(request.aggregateType)
        let id = try spec.normalizedIdentifier(request.aggregateID)
        let stream = try StreamName(category: type.name, id: id)
        var metadata = request.metadata
        guard let actor = metadata.actor else {
            throw EngineError(.invalidMetadata, "metadata.actor is required: {\"type\": \"user\", \"id\": \"…\"}.")
        }
        metadata.actor?.id = try spec.normalizedIdentifier(actor.id)
        if let target = metadata.target {
            metadata.target?.id = try spec.normalizedIdentifier(target.id)
        }

        let before = try await states.current(stream, in: store, type: type, specHash: hash).result
        if case .expectedLength(let length) = request.concurrency, length != before.version {
            throw EventStoreError.wrongExpectedVersion(stream: stream, expected: .exact(length), actual: before.version)
        }
        // The time handlers see, at the precision the store records.
        let now = clock().truncatedToMilliseconds

        // The events of the request, each checked against the state the ones before it produced.
        var state = before.state
        var checked: [(event: SpecEvent, stateAfter: JSON)] = []
        var lastYield = ContinuousClock.now
        for (offset, event) in request.events.enumerated() {
            try SpecLimits.checkDeadline()
            if lastYield.duration(to: .now) > .milliseconds(2) {
                // Expensive events: let other requests (and /_health) run between them.
                await Task.yield()
                lastYield = .now
            }
            let specEvent = SpecEvent(
                type: event.type, data: event.data, metadata: metadata, aggregateType: type.name, aggregateID: id,
                version: before.version + offset + 1, timestamp: now)
            state = try type.apply(specEvent, to: state)
            checked.append((specEvent, state))
        }

        // Their implications, across aggregates; each aggregate is loaded once.
        var loaded: [String: (state: JSON, version: Int)] = [
            stream.description: (state, before.version + checked.count)
        ]
        var implied: [PlannedEvent] = []
        for (event, stateAfter) in checked {
            let plan = try await spec.impliedEvents(of: event, stateAfter: stateAfter) { type, id in
                let key = "\(type):\(id)"
                if let known = loaded[key] { return known }
                let compiled = try spec.requireAggregateType(type)
                let result = try await states.current(
                    try StreamName(category: type, id: id), in: store, type: compiled, specHash: hash
                ).result
                loaded[key] = (result.state, result.version)
                return (result.state, result.version)
            }
            for planned in plan {
                loaded["\(planned.event.aggregateType):\(planned.event.aggregateID)"] = (
                    planned.stateAfter, planned.event.version
                )
            }
            implied += plan
            if implied.count > spec.limits.maximumImpliedEvents {
                throw SpecError(
                    code: .tooManyImpliedEvents,
                    message: "this write implies more than \(spec.limits.maximumImpliedEvents) events "
                        + "(maximumImpliedEvents); split it, or raise --max-implied-events")
            }
        }

        let made = try makeAppends(
            spec: spec, stream: stream, main: checked.map(\.event), implied: implied, concurrency: request.concurrency,
            mainLength: before.version)
        let causes = checked.map { ($0.event, $0.stateAfter) } + implied.map { ($0.event, $0.stateAfter) }
        var appends = made.appends
        appends += try scheduleAppends(spec: spec, causes: causes, ids: made.ids, now: now)
        if let closing { appends.append(closing) }
        let start = ContinuousClock.now
        let results = try await store.append(appends, idempotency: idempotency)
        metrics.appendLatency.recordNanoseconds(start.duration(to: .now).nanoseconds)
        if !results[0].isReplay {
            metrics.eventsAppended.increment(by: Int64(appends.reduce(0) { $0 + $1.events.count }))
        }
        return WriteOutcome(
            stream: stream, result: results[0], implied: results.dropFirst().filter { !$0.stream.isSystem })
    }

    /// One append per schedule the written events start, each creating its `$schedule:<uuid>` stream. `causes`
    /// are the events with the states after them, `ids` the ids they are written with.
    private func scheduleAppends(spec: CompiledSpec, causes: [(SpecEvent, JSON)], ids: [UUID], now: Date) throws
        -> [StreamAppend]
    {
        var appends: [StreamAppend] = []
        for ((event, stateAfter), id) in zip(causes, ids) {
            let type = try spec.requireAggregateType(event.aggregateType)
            for planned in try type.schedules(of: event, stateAfter: stateAfter) {
                let schedule = Schedule(planned, cause: event, causeID: id, now: now)
                var scheduled = schedule.scheduledEvent
                // The personal values of the event to come, where the `scheduled` event holds its data, so that a
                // store that encrypts them does so there too.
                let later = SpecEvent(
                    type: planned.eventType, data: planned.data, metadata: schedule.metadata,
                    aggregateType: planned.aggregateType, aggregateID: planned.aggregateID, version: 1, timestamp: now)
                scheduled.personalData = try spec.requireAggregateType(planned.aggregateType).personalData(of: later)
                    .map { personal in
                        PersonalData(
                            subject: personal.subject,
                            fields: personal.fields.map {
                                PersonalField(path: ["data"] + $0.path, forgotten: $0.forgotten)
                            })
                    }
                appends.append(StreamAppend(stream: schedule.stream, events: [scheduled], expectedVersion: .exact(0)))
            }
        }
        return appends
    }

    /// One append per stream: the request's stream first, then each implied stream with the length it had
    /// when its state was read; with the ids of the request's events and then of the implied ones.
    private func makeAppends(
        spec: CompiledSpec, stream: StreamName, main: [SpecEvent], implied: [PlannedEvent],
        concurrency: WriteRequest.Concurrency,
        mainLength: Int
    ) throws -> (appends: [StreamAppend], ids: [UUID]) {
        let expected: ExpectedVersion =
            switch concurrency {
            case .automatic: .exact(mainLength)
            case .expectedLength(let length): .exact(length)
            case .disabled: .any
            }
        func newEvent(_ event: SpecEvent) throws -> NewEvent {
            NewEvent(
                type: event.type, data: event.data, metadata: event.metadata,
                personalData: try spec.requireAggregateType(event.aggregateType).personalData(of: event))
        }
        var appends = [StreamAppend(stream: stream, events: try main.map(newEvent), expectedVersion: expected)]
        var ids = appends[0].events.map(\.id)
        var index: [StreamName: Int] = [stream: 0]
        for planned in implied {
            let event = planned.event
            let target = try StreamName(category: event.aggregateType, id: event.aggregateID)
            let written = try newEvent(event)
            ids.append(written.id)
            if let position = index[target] {
                guard position > 0 else {
                    throw EngineError(
                        .implicationTargetsWrittenAggregate,
                        "An implication of this write targets the aggregate being written (\(target)); "
                            + "emit a separate event from its handler instead.")
                }
                appends[position].events.append(written)
            } else {
                index[target] = appends.count
                appends.append(
                    StreamAppend(
                        stream: target, events: [written], expectedVersion: .exact(event.version - 1)))
            }
        }
        return (appends, ids)
    }
}
