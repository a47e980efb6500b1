public import Evident

extension CompiledAggregateType {
    /// The events `event` schedules, given the state after it: one per `schedule` entry of its `implications`,
    /// with `after`, the target's id (normalized) and the data evaluated now.
    ///
    /// Throws ``SpecError/Code/implicationFailed`` when `after` gives no number of seconds from 0 to about 100
    /// years or the id is malformed, and ``SpecError/Code/handlerTooExpensive`` past
    /// ``SpecLimits/maximumHandlerSteps`` steps.
    public func schedules(of event: SpecEvent, stateAfter state: JSON) throws(SpecError) -> [ScheduledImplication] {
        let definition = try definition(of: event.type)
        guard !definition.schedules.isEmpty else { return [] }
        var context = EvaluationContext(
            event: event, variableCount: definition.variableCount, maximumSteps: limits.maximumHandlerSteps)
        var planned: [ScheduledImplication] = []
        for schedule in definition.schedules {
            do throws(EvaluationSignal) {
                let after = try schedule.after.evaluate(state, &context)
                if let problem = CompiledSchedule.delayProblem(after) { throw .failure(problem) }
                let delay = after.number ?? 0
                let id = try impliedID(schedule.emit.id.evaluate(state, &context))
                planned.append(
                    ScheduledImplication(
                        schedule: schedule.identity, delay: delay, aggregateType: schedule.emit.aggregateType,
                        aggregateID: id, eventType: schedule.emit.eventType,
                        data: try schedule.emit.data.evaluate(state, &context)))
            } catch {
                switch error {
                case .skipped: continue
                case .failed(let message, _):
                    throw SpecError(code: .implicationFailed, message: message, specPath: schedule.path)
                case .outOfSteps:
                    throw outOfSteps("the schedules of '\(name).\(event.type)'", specPath: schedule.path)
                }
            }
        }
        return planned
    }
}

extension CompiledSpec {
    /// Whether this spec declares the schedule `identity` (a ``ScheduledImplication/schedule``): an entry at the
    /// same path with the same JSON.
    public func declaresSchedule(_ identity: String) -> Bool {
        schedule(identity) != nil
    }

    /// Whether the `cancel_if` of schedule `identity` holds when its time comes: `@` is the state of the target
    /// aggregate then, `$` the event about to be emitted. False when the schedule has no `cancel_if` (or this spec
    /// does not declare it); throws `implicationFailed` when it cannot be evaluated.
    public func cancelConditionHolds(schedule identity: String, event: SpecEvent, targetState: JSON)
        throws(SpecError) -> Bool
    {
        guard let found = schedule(identity), let cancelIf = found.schedule.cancelIf else { return false }
        var context = EvaluationContext(
            event: event, variableCount: found.definition.variableCount, maximumSteps: limits.maximumHandlerSteps)
        do throws(EvaluationSignal) {
            return try cancelIf.evaluate(targetState, &context)
        } catch {
            switch error {
            case .skipped: return false
            case .failed(let message, _):
                throw SpecError(
                    code: .implicationFailed, message: "'cancel_if' could not be evaluated: \(message)",
                    specPath: cancelIf.path)
            case .outOfSteps:
                throw SpecError(
                    code: .handlerTooExpensive,
                    message: "'cancel_if' took more than \(limits.maximumHandlerSteps) steps (maximumHandlerSteps)",
                    specPath: cancelIf.path)
            }
        }
    }

    /// The schedule `identity` and the event definition that declares it.
    private func schedule(_ identity: String) -> (schedule: CompiledSchedule, definition: EventDefinition)? {
        for type in aggregateTypes.values {
            for definition in type.events.values {
                if let schedule = definition.schedules.first(where: { $0.identity == identity }) {
                    return (schedule, definition)
                }
            }
        }
        return nil
    }
}
