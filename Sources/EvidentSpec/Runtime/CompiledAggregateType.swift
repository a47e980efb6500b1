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
    let events: [String: EventDefinition]
    let rules: SpecRules

    /// The most variable slots any of its events needs.
    let variableCount: Int

    init(name: String, events: [String: EventDefinition], rules: SpecRules) {
        self.name = name
        self.events = events
        self.rules = rules
        self.variableCount = events.values.map(\.variableCount).max() ?? 0
    }

    /// The event types this aggregate type declares, sorted.
    public var eventTypes: [String] { events.keys.sorted() }

    /// The state of an aggregate with no events.
    public static var initialState: JSON { .object([:]) }

    /// Checks a new event completely and returns the state after it, or throws why it is refused: unknown
    /// event type, malformed aggregate/actor/target id, actor type not in `agent_types`, target type not in
    /// `target_types`, data not matching the schema, `requires` not holding (code `requirementFailed`), or a
    /// failing handler op.
    ///
    /// Ids are checked, not normalized: normalize them first with ``Identifiers/normalize(_:singletons:)``.
    public func apply(_ event: SpecEvent, to state: JSON) throws(SpecError) -> JSON {
        let definition = try definition(of: event.type)
        try checkIdentity(event)
        let violations = definition.schema.validate(event.data)
        if !violations.isEmpty {
            throw SpecError(
                code: .invalidData,
                message: "the data does not match the schema of '\(name).\(event.type)': "
                    + violations.map(\.description).joined(separator: "; "),
                specPath: definition.path + ".schema", violations: violations)
        }
        var context = EvaluationContext(event: event, variableCount: definition.variableCount)
        if let requires = definition.requires {
            let holds: Bool
            do throws(EvaluationSignal) {
                holds = try requires.evaluate(state, context)
            } catch {
                switch error {
                case .skipped: holds = true
                case .failed(let message, _):
                    throw SpecError(
                        code: .requirementFailed, message: "'requires' could not be evaluated: \(message)",
                        specPath: requires.path)
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
        return next
    }

    /// Folds stored events, in stream order, onto `start` (an empty aggregate by default). Stored events are
    /// not checked against schemas or `requires` again; an event whose type is gone or whose handler now fails
    /// leaves the state unchanged and is reported in ``FoldResult/errors``.
    public func fold(_ events: some Sequence<RecordedEvent>, onto start: FoldResult = FoldResult(state: initialState))
        -> FoldResult
    {
        var result = start
        var context: EvaluationContext?
        for event in events { fold(SpecEvent(event), into: &result, context: &context) }
        return result
    }

    /// Folds events, in stream order, onto `start`, like ``fold(_:onto:)-(Sequence<RecordedEvent>,_)``.
    public func fold(_ events: [SpecEvent], onto start: FoldResult = FoldResult(state: initialState)) -> FoldResult {
        var result = start
        var context: EvaluationContext?
        for event in events { fold(event, into: &result, context: &context) }
        return result
    }

    /// Folds one event; `context` is created for the first event and reused for the next ones.
    private func fold(_ event: SpecEvent, into result: inout FoldResult, context: inout EvaluationContext?) {
        result.version = event.version
        if context == nil {
            context = EvaluationContext(event: event, variableCount: variableCount)
        } else {
            context!.event = event
        }
        do throws(SpecError) {
            let definition = try definition(of: event.type)
            if definition.isAtomic {
                try run(definition, on: &result.state, context: &context!)
            } else {
                var next = result.state
                try run(definition, on: &next, context: &context!)
                result.state = next
            }
        } catch {
            result.errors.append(FoldError(version: event.version, error: error))
        }
    }

    /// The events `event` implies, given the state after it: each `implications` entry whose condition
    /// holds, with its id normalized. The caller checks each implied event with its own aggregate type's
    /// ``apply(_:to:)`` (schema, `requires`, handler) and computes its implications in turn;
    /// ``CompiledSpec/impliedEvents(of:stateAfter:maximumDepth:loadState:)`` does all of that.
    public func implications(of event: SpecEvent, stateAfter state: JSON) throws(SpecError) -> [ImpliedEvent] {
        let definition = try definition(of: event.type)
        var context = EvaluationContext(event: event, variableCount: definition.variableCount)
        var implied: [ImpliedEvent] = []
        for implication in definition.implications {
            do throws(EvaluationSignal) {
                guard let iteration = implication.iteration else {
                    if let event = try emit(implication, state: state, context: context) { implied.append(event) }
                    continue
                }
                let over = try iteration.over.resolve(state: state, context: context)
                guard case .array(let elements) = over else {
                    throw .failure("'over' must be an array, got \(over.kindPhrase)")
                }
                for element in elements {
                    context.variables[iteration.slot] = element
                    if let event = try emit(implication, state: state, context: context) { implied.append(event) }
                }
            } catch {
                switch error {
                case .skipped: continue
                case .failed(let message, _):
                    throw SpecError(code: .implicationFailed, message: message, specPath: implication.path)
                }
            }
        }
        return implied
    }

    private func emit(
        _ implication: CompiledImplication, state: JSON, context: EvaluationContext
    ) throws(EvaluationSignal) -> ImpliedEvent? {
        if let condition = implication.condition, !(try condition(state, context)) { return nil }
        let idValue = try implication.id.evaluate(state, context)
        guard case .string(let rawID) = idValue else {
            throw .failure("the implied event's 'id' must be a string, got \(idValue.kindPhrase)")
        }
        let id: String
        do throws(SpecError) {
            id = try Identifiers.normalize(rawID, singletons: rules.singletons)
        } catch {
            throw .failure("the implied event's id is malformed: \(error.message)")
        }
        return ImpliedEvent(
            aggregateType: implication.aggregateType, aggregateID: id, eventType: implication.eventType,
            data: try implication.data.evaluate(state, context), specPath: implication.path)
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
            guard case .failed(let message, let specPath) = error else { return }
            throw SpecError(code: .handlerFailed, message: message, specPath: specPath ?? definition.path)
        }
    }
}
