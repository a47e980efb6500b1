import Evident

extension SpecCompiler {
    /// Compiles `implications`: an array of `{"condition"?, "emit"}`, `{"map": {"over", "as"?, "condition"?,
    /// "emit"}}` and `{"schedule": {"after", "emit", "cancel_if"?}}` entries.
    mutating func compileImplications(_ json: JSON, at path: SpecPath) -> (
        implications: [CompiledImplication], schedules: [CompiledSchedule]
    ) {
        guard case .array(let elements) = json else {
            report(
                path,
                "'implications' must be an array of {\"condition\"?, \"emit\"}, {\"map\": {…}} or {\"schedule\": {…}} "
                    + "entries")
            return ([], [])
        }
        var result: [CompiledImplication] = []
        var schedules: [CompiledSchedule] = []
        for (offset, element) in elements.enumerated() {
            let entryPath = path.index(offset)
            if case .object(let members) = element, members.count == 1, let map = members["map"] {
                if let implication = compileImplication(map, at: entryPath.key("map"), iterating: true) {
                    result.append(implication)
                }
            } else if case .object(let members) = element, members.count == 1, let schedule = members["schedule"] {
                let identity = "\(entryPath.description)#\(Hashing.sha256Hex(element.serialized()).prefix(16))"
                if let schedule = compileSchedule(schedule, at: entryPath.key("schedule"), identity: identity) {
                    schedules.append(schedule)
                }
            } else if let implication = compileImplication(element, at: entryPath, iterating: false) {
                result.append(implication)
            }
        }
        return (result, schedules)
    }

    private mutating func compileImplication(_ json: JSON, at path: SpecPath, iterating: Bool) -> CompiledImplication? {
        let required = iterating ? ["over", "emit"] : ["emit"]
        let optional = iterating ? ["as", "condition"] : ["condition"]
        guard
            let arguments = arguments(
                json, of: iterating ? "map" : "implication", at: path, required: required, optional: optional)
        else { return nil }
        var scope = VariableScope()
        var iteration: CompiledImplication.Iteration?
        if iterating {
            let name: String? = if let json = arguments["as"] { variableName(json, at: path.key("as")) } else { "item" }
            var over: Reference?
            if case .string(let text)? = arguments["over"], Self.isReference(text) {
                over = compileReference(text, at: path.key("over"), scope: scope)
            } else if arguments["over"] != nil {
                report(path.key("over"), "'over' takes a reference to an array, such as \"$.data.items\"")
            }
            if let name {
                let bound = bind(name, in: scope)
                scope = bound.scope
                iteration = over.map { CompiledImplication.Iteration(over: $0, slot: bound.slot) }
            }
        }
        let condition = arguments["condition"].map { compilePredicate($0, at: path.key("condition"), scope: scope) }
        guard let emitJSON = arguments["emit"] else { return nil }
        let emit = compileEmit(emitJSON, at: path.key("emit"), scope: scope)
        if iterating && iteration == nil { return nil }
        guard let emit else { return nil }
        return CompiledImplication(
            path: path.description, iteration: iteration, condition: condition, aggregateType: emit.aggregateType,
            eventType: emit.eventType, id: emit.id, data: emit.data)
    }

    /// Compiles a `schedule`: `after` (seconds, a number of 0 or more or a value giving one), `emit`, and
    /// optionally `cancel_if`, a predicate on the target's state when the time comes.
    private mutating func compileSchedule(_ json: JSON, at path: SpecPath, identity: String) -> CompiledSchedule? {
        guard
            let arguments = arguments(
                json, of: "schedule", at: path, required: ["after", "emit"], optional: ["cancel_if"])
        else { return nil }
        let scope = VariableScope()
        let after = valueArgument(arguments, "after", at: path, scope: scope)
        if let constant = after?.constant, let problem = CompiledSchedule.delayProblem(constant) {
            report(
                path.key("after"), problem + "; a value such as \"$.data.delay\" may give it when the event is written")
        }
        let cancelIf = arguments["cancel_if"].map {
            CompiledPredicate(
                path: path.key("cancel_if").description,
                evaluate: compilePredicate($0, at: path.key("cancel_if"), scope: scope))
        }
        let emit = arguments["emit"].flatMap { compileEmit($0, at: path.key("emit"), scope: scope) }
        guard let after, let emit else { return nil }
        return CompiledSchedule(
            identity: identity, path: path.description, after: after, emit: emit, cancelIf: cancelIf)
    }

    /// Compiles an `emit`: `aggregate_type` and `event_type`, which the spec must declare, `id`, and `data`.
    private mutating func compileEmit(_ json: JSON, at emitPath: SpecPath, scope: VariableScope) -> CompiledEmit? {
        guard
            let emit = self.arguments(
                json, of: "emit", at: emitPath, required: ["aggregate_type", "id", "event_type"], optional: ["data"])
        else { return nil }
        let aggregateType = emit["aggregate_type"]?.string
        let eventType = emit["event_type"]?.string
        if let json = emit["aggregate_type"] {
            if let aggregateType, declaredEvents[aggregateType] == nil {
                report(
                    emitPath.key("aggregate_type"),
                    "no aggregate type '\(aggregateType)' is declared in 'aggregate_types'")
            } else if aggregateType == nil {
                report(emitPath.key("aggregate_type"), "must be the name of an aggregate type, not \(json.kindPhrase)")
            }
        }
        if let json = emit["event_type"] {
            if let eventType, let aggregateType, let events = declaredEvents[aggregateType], !events.contains(eventType)
            {
                report(emitPath.key("event_type"), "aggregate type '\(aggregateType)' declares no event '\(eventType)'")
            } else if eventType == nil {
                report(emitPath.key("event_type"), "must be the name of an event type, not \(json.kindPhrase)")
            }
        }
        let id = valueArgument(emit, "id", at: emitPath, scope: scope)
        let data = valueArgument(emit, "data", at: emitPath, scope: scope) ?? .constant([:])
        guard let aggregateType, let eventType, let id else { return nil }
        return CompiledEmit(aggregateType: aggregateType, eventType: eventType, id: id, data: data)
    }
}
