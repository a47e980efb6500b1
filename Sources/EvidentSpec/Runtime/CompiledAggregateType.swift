public import Evident

/// One aggregate type of a compiled spec: checks new events, folds stored ones, computes implications.
///
/// ```swift
/// let spec = try CompiledSpec(parsing: text)
/// let order = spec.aggregateType("order")!
/// let result = order.fold(storedEvents)            // FoldResult: state + events left out
/// let next = try order.apply(newEvent, to: result.state)
/// ```
public struct CompiledAggregateType: Sendable {
    /// The aggregate type's name, such as `order`.
    public let name: String
    /// The bounds on the work one event may cause, those of the spec.
    public let limits: SpecLimits
    let events: [String: EventDefinition]
    let rules: SpecRules

    /// The most variable slots any of its events needs.
    let variableCount: Int

    init(name: String, events: [String: EventDefinition], rules: SpecRules, limits: SpecLimits) {
        self.name = name
        self.events = events
        self.rules = rules
        self.limits = limits
        self.variableCount = events.values.map(\.variableCount).max() ?? 0
    }

    /// The event types this aggregate type declares, sorted.
    public var eventTypes: [String] { events.keys.sorted() }

    /// The personal values of `event` (its schema's `x-personal` properties that it holds) and their data
    /// subject, for a ``PrivacyEventStore`` to encrypt; nil when it holds none. Fails when the subject's reference
    /// does not give a non-empty string.
    public func personalData(of event: SpecEvent) throws(SpecError) -> PersonalData? {
        let definition = try definition(of: event.type)
        return try definition.personalData?.personalData(of: event, path: definition.path)
    }

    /// The state of an aggregate with no events.
    public static var initialState: JSON { .object([:]) }

    /// Checks a new event completely and returns the state after it, or throws why it is refused: unknown
    /// event type, malformed aggregate/actor/target id, actor type not in `agent_types`, target type not in
    /// `target_types`, data not matching the schema, `requires` not holding (code `requirementFailed`), or a
    /// failing handler op.
    ///
    /// Within ``limits``: ``SpecLimits/deadline`` must not have passed (nor the task be cancelled), pattern
    /// matching must fit ``SpecLimits/patternMatchBudget``, `requires` and the handler
    /// ``SpecLimits/maximumHandlerSteps``, and the state after the event ``SpecLimits/maximumStateBytes``.
    ///
    /// Ids are checked, not normalized: normalize them first with ``Identifiers/normalize(_:singletons:)``.
    public func apply(_ event: SpecEvent, to state: JSON) throws(SpecError) -> JSON {
        try SpecInterruption.check()
        let definition = try definition(of: event.type)
        try checkIdentity(event)
        let violations: [SchemaViolation]
        do throws(SpecInterruption) {
            violations = try definition.schema.validate(event.data, patternBudget: limits.patternMatchBudget)
        } catch {
            throw SpecError(error, limits: limits, specPath: definition.path + ".schema")
        }
        if !violations.isEmpty {
            throw SpecError(
                code: .invalidData,
                message: "the data does not match the schema of '\(name).\(event.type)': "
                    + violations.map(\.description).joined(separator: "; "),
                specPath: definition.path + ".schema", violations: violations)
        }
        var context = EvaluationContext(
            event: event, variableCount: definition.variableCount, maximumSteps: limits.maximumHandlerSteps)
        if let requires = definition.requires {
            let holds: Bool
            do throws(EvaluationSignal) {
                holds = try requires.evaluate(state, &context)
            } catch {
                switch error {
                case .skipped: holds = true
                case .failed(let message, _):
                    throw SpecError(
                        code: .requirementFailed, message: "'requires' could not be evaluated: \(message)",
                        specPath: requires.path)
                case .outOfSteps:
                    throw outOfSteps("the 'requires' of '\(name).\(event.type)'", specPath: requires.path)
                }
            }
            guard holds else {
                throw SpecError(
                    code: .requirementFailed,
                    message:
                        "the event's 'requires' does not hold for the current state of \(name):\(event.aggregateID)",
                    specPath: requires.path)
            }
        }
        var next = state
        try run(definition, on: &next, context: &context)
        let limit = limits.maximumStateBytes
        guard next.serializedSize(limit: limit) <= limit else {
            throw SpecError(
                code: .stateTooLarge,
                message: "the state of \(name):\(event.aggregateID) would be \((limit + 1).grouped)+ bytes after "
                    + "this event, over the limit of \(limit.grouped) (maximumStateBytes)",
                specPath: definition.path + ".handler")
        }
        return next
    }

    /// Folds stored events, in stream order, onto `start` (an empty aggregate by default). Stored events are
    /// not checked against schemas or `requires` again; an event whose type is gone or whose handler now fails
    /// (or takes more than ``SpecLimits/maximumHandlerSteps``) leaves the state unchanged and is reported in
    /// ``FoldResult/errors``. The state's size is not checked here: check the result's with
    /// `state.serializedSize(limit:)`.
    public func fold(_ events: some Sequence<RecordedEvent>, onto start: FoldResult = FoldResult(state: initialState))
        -> FoldResult
    {
        fold(events.map(SpecEvent.init), onto: start)
    }

    /// Folds events, in stream order, onto `start`, like ``fold(_:onto:)-(Sequence<RecordedEvent>,_)``.
    ///
    /// Handlers change the state in place. A handler of several ops that fails part-way leaves it half
    /// changed, so then the events are folded again from `start`, each handler of several ops on a copy it
    /// keeps only on success: failures are rare (a spec changed under stored events), copies are not free.
    public func fold(_ events: [SpecEvent], onto start: FoldResult = FoldResult(state: initialState)) -> FoldResult {
        var result = start
        var context: EvaluationContext?
        for event in events where !fold(event, into: &result, context: &context, inPlace: true) {
            result = start
            context = nil
            for event in events { _ = fold(event, into: &result, context: &context, inPlace: false) }
            break
        }
        return result
    }

    /// Folds one event; `context` is created for the first event and reused for the next ones. Returns false
    /// when a handler of several ops failed `inPlace`, leaving the state half changed.
    private func fold(
        _ event: SpecEvent, into result: inout FoldResult, context: inout EvaluationContext?, inPlace: Bool
    ) -> Bool {
        result.version = event.version
        if context == nil {
            context = EvaluationContext(
                event: event, variableCount: variableCount, maximumSteps: limits.maximumHandlerSteps)
        } else {
            context!.event = event
            context!.startRun()
        }
        var definition: EventDefinition?
        do throws(SpecError) {
            let found = try self.definition(of: event.type)
            definition = found
            if found.isAtomic || inPlace {
                try run(found, on: &result.state, context: &context!)
            } else {
                var next = result.state
                try run(found, on: &next, context: &context!)
                result.state = next
            }
        } catch {
            if inPlace, let definition, !definition.isAtomic { return false }
            result.errors.append(FoldError(version: event.version, error: error))
        }
        return true
    }

    /// The events `event` implies, given the state after it: each `implications` entry whose condition
    /// holds, with its id normalized. The caller checks each implied event with its own aggregate type's
    /// ``apply(_:to:)`` (schema, `requires`, handler) and computes its implications in turn;
    /// ``CompiledSpec/impliedEvents(of:stateAfter:maximumDepth:loadState:)`` does all of that.
    ///
    /// Throws ``SpecError/Code/tooManyImpliedEvents`` past ``SpecLimits/maximumImpliedEvents`` events, and
    /// ``SpecError/Code/handlerTooExpensive`` past ``SpecLimits/maximumHandlerSteps`` steps.
    public func implications(of event: SpecEvent, stateAfter state: JSON) throws(SpecError) -> [ImpliedEvent] {
        try implications(of: event, stateAfter: state, maximumCount: limits.maximumImpliedEvents)
    }

    /// The events `event` implies, like ``implications(of:stateAfter:)``, stopping with
    /// ``SpecError/Code/tooManyImpliedEvents`` as soon as there are more than `maximumCount`.
    func implications(
        of event: SpecEvent, stateAfter state: JSON, maximumCount: Int
    ) throws(SpecError) -> [ImpliedEvent] {
        let definition = try definition(of: event.type)
        var context = EvaluationContext(
            event: event, variableCount: definition.variableCount, maximumSteps: limits.maximumHandlerSteps)
        var implied: [ImpliedEvent] = []
        for implication in definition.implications {
            do throws(EvaluationSignal) {
                if let iteration = implication.iteration {
                    let over = try iteration.over.resolve(state: state, context: context)
                    guard case .array(let elements) = over else {
                        throw .failure("'over' must be an array, got \(over.kindPhrase)")
                    }
                    try context.step(elements.count)
                    for element in elements {
                        context.variables[iteration.slot] = element
                        if let next = try emit(implication, state: state, context: &context) { implied.append(next) }
                        if implied.count > maximumCount { break }
                    }
                } else if let next = try emit(implication, state: state, context: &context) {
                    implied.append(next)
                }
            } catch {
                switch error {
                case .skipped: continue
                case .failed(let message, _):
                    throw SpecError(code: .implicationFailed, message: message, specPath: implication.path)
                case .outOfSteps:
                    throw outOfSteps("the implications of '\(name).\(event.type)'", specPath: implication.path)
                }
            }
            guard implied.count <= maximumCount else {
                throw SpecError(
                    code: .tooManyImpliedEvents,
                    message: "the implied events would come to more than \(limits.maximumImpliedEvents.grouped) "
                        + "(maximumImpliedEvents), counting every level of implications; stopped at an implication "
                        + "of '\(name).\(event.type)'",
                    specPath: implication.path)
            }
        }
        return implied
    }

    private func emit(
        _ implication: CompiledImplication, state: JSON, context: inout EvaluationContext
    ) throws(EvaluationSignal) -> ImpliedEvent? {
        if let condition = implication.condition, !(try condition(state, &context)) { return nil }
        let id = try impliedID(implication.id.evaluate(state, &context))
        return ImpliedEvent(
            aggregateType: implication.aggregateType, aggregateID: id, eventType: implication.eventType,
            data: try implication.data.evaluate(state, &context), specPath: implication.path)
    }

    /// The id an `emit` gives, normalized; fails when it is not a string or is malformed.
    func impliedID(_ value: JSON) throws(EvaluationSignal) -> String {
        guard case .string(let rawID) = value else {
            throw .failure("the implied event's 'id' must be a string, got \(value.kindPhrase)")
        }
        do throws(SpecError) {
            return try Identifiers.normalize(rawID, singletons: rules.singletons)
        } catch {
            throw .failure("the implied event's id is malformed: \(error.message)")
        }
    }

    func definition(of eventType: String) throws(SpecError) -> EventDefinition {
        guard let definition = events[eventType] else {
            throw SpecError(
                code: .unknownEventType,
                message: "aggregate type '\(name)' declares no event '\(eventType)'; it declares "
                    + eventTypes.joined(separator: ", "))
        }
        return definition
    }

    private func checkIdentity(_ event: SpecEvent) throws(SpecError) {
        func check(_ id: String, _ role: String) throws(SpecError) {
            if let problem = Identifiers.problem(with: id, singletons: rules.singletons) {
                throw SpecError(code: .malformedIdentifier, message: "the \(role) id is malformed: \(problem)")
            }
        }
        try check(event.aggregateID, "aggregate")
        if let actor = event.metadata.actor {
            guard rules.agentTypes.contains(actor.type) else {
                throw SpecError(
                    code: .actorTypeNotAllowed,
                    message: "actor type '\(actor.type)' is not one of the spec's agent_types: "
                        + rules.agentTypes.sorted().joined(separator: ", "))
            }
            try check(actor.id, "actor")
        }
        if let target = event.metadata.target {
            guard let allowed = rules.targetTypes, allowed.contains(target.type) else {
                throw SpecError(
                    code: .targetTypeNotAllowed,
                    message: "target type '\(target.type)' is not one of the spec's target_types: "
                        + (rules.targetTypes?.sorted().joined(separator: ", ") ?? "(none declared)"))
            }
            try check(target.id, "target")
        }
    }

    private func run(
        _ definition: EventDefinition, on state: inout JSON, context: inout EvaluationContext
    ) throws(SpecError) {
        do throws(EvaluationSignal) {
            try definition.handler.run(on: &state, context: &context)
        } catch {
            switch error {
            case .skipped: return
            case .failed(let message, let specPath):
                throw SpecError(code: .handlerFailed, message: message, specPath: specPath ?? definition.path)
            case .outOfSteps(let specPath):
                throw outOfSteps(
                    "the handler of '\(name).\(definition.name)'", specPath: specPath ?? definition.path)
            }
        }
    }

    /// The refusal for a run that took more than ``SpecLimits/maximumHandlerSteps``; `run` names it.
    func outOfSteps(_ run: String, specPath: String) -> SpecError {
        SpecError(
            code: .handlerTooExpensive,
            message: "\(run) took more than \(limits.maximumHandlerSteps.grouped) steps (maximumHandlerSteps), "
                + "counting each op and each element or member it visits or builds",
            specPath: specPath)
    }
}
