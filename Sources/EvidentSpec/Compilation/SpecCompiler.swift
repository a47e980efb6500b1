import Evident

/// Checks a spec and compiles it into closures in one walk, collecting every problem with its path.
///
/// The walk never stops at the first problem: each part is checked on its own, so a spec with ten mistakes
/// gets ten problems. The compiled result is only used when there are none.
struct SpecCompiler {
    /// The limits the compiled aggregate types run with.
    let limits: SpecLimits
    /// Every problem found so far.
    private(set) var problems: [SpecProblem] = []
    /// Every warning found so far: patterns that may backtrack badly.
    private(set) var warnings: [SpecProblem] = []
    /// The most variable slots the event being compiled needs.
    var variableCount = 0
    /// The variable slots read by the references compiled so far, to tell element-independent values apart.
    var readSlots: Set<Int> = []
    /// The event types of every aggregate type, known before any handler is compiled, for implications.
    var declaredEvents: [String: Set<String>] = [:]
    /// Whether event schemas assert `format` (`assert_formats`, true unless the spec turns it off).
    var assertFormats = true
    /// Whether references may read the event (`$.…`): not in a projection, which reads states only.
    var readsEvent = true
    /// The projections compiled by ``compile(_:)``.
    var projections: [String: CompiledProjection] = [:]

    static let topLevelKeys = [
        "aggregate_types", "agent_types", "target_types", "singletons", "modules", "assert_formats", "$comment",
        "projections",
    ]
    static let eventKeys = ["schema", "handler", "requires", "implications", "data_subject", "$comment"]

    init(limits: SpecLimits = .standard) {
        self.limits = limits
    }

    mutating func report(_ path: SpecPath, _ message: String) {
        problems.append(SpecProblem(path: path.description, message: message))
    }

    /// Binds `name` in `scope`, keeping count of the slots the event needs.
    mutating func bind(_ name: String, in scope: VariableScope) -> (scope: VariableScope, slot: Int) {
        let bound = scope.binding(name)
        variableCount = max(variableCount, bound.scope.size)
        return bound
    }

    /// The spec body: what a `{"spec": …}` wrapper holds, or the document itself when it has no wrapper.
    static func unwrap(_ document: JSON) -> JSON {
        if case .object(let members) = document, members["aggregate_types"] == nil, let body = members["spec"] {
            body
        } else {
            document
        }
    }

    /// Checks and compiles a spec document, with or without its `{"spec": …}` wrapper.
    mutating func compileDocument(_ document: JSON) -> (aggregates: [String: CompiledAggregateType], rules: SpecRules) {
        let body = Self.unwrap(document)
        if case .object(let members) = document, body != document {
            for key in members.keys.sorted() where key != "spec" {
                report(.root.key(key), "unknown key '\(key)' next to 'spec'; the wrapper holds only 'spec'")
            }
        }
        return compile(body)
    }

    /// Checks and compiles a spec body.
    mutating func compile(_ spec: JSON) -> (aggregates: [String: CompiledAggregateType], rules: SpecRules) {
        let root = SpecPath.root
        guard case .object(let members) = spec else {
            report(root, "a spec must be a JSON object with 'aggregate_types' and 'agent_types'")
            return ([:], SpecRules())
        }
        for key in members.keys.sorted() where !Self.topLevelKeys.contains(key) {
            report(
                root.key(key),
                "unknown key '\(key)'; a spec holds \(Self.topLevelKeys.filter { $0 != "$comment" }.joined(separator: ", "))"
            )
        }
        switch members["assert_formats"] {
        case nil: assertFormats = true
        case .bool(let flag)?: assertFormats = flag
        case let json?:
            report(
                root.key("assert_formats"),
                "must be true (event schemas check 'format', the default) or false (annotation only), not "
                    + json.kindPhrase)
        }
        var rules = SpecRules()
        rules.agentTypes = Set(names(members["agent_types"], at: root.key("agent_types"), required: true))
        if let targets = members["target_types"] {
            rules.targetTypes = Set(names(targets, at: root.key("target_types"), required: false))
        }
        rules.singletons.formUnion(names(members["singletons"], at: root.key("singletons"), required: false))

        var aggregates: [String: CompiledAggregateType] = [:]
        let typesPath = root.key("aggregate_types")
        switch members["aggregate_types"] {
        case nil:
            report(root, "missing 'aggregate_types': an object of aggregate type names to their events")
        case .object(let types)?:
            if types.isEmpty { report(typesPath, "declare at least one aggregate type") }
            collectDeclaredEvents(types)
            for name in types.keys.sorted() {
                let path = typesPath.key(name)
                checkName(name, at: path, kind: "aggregate type")
                if let aggregate = compileAggregate(name, types[name]!, at: path, rules: rules) {
                    aggregates[name] = aggregate
                }
            }
        case .some:
            report(typesPath, "'aggregate_types' must be an object of aggregate type names to their events")
        }
        checkModules(members["modules"], at: root.key("modules"))
        projections = compileProjections(members["projections"], at: root.key("projections"), rules: rules)
        return (aggregates, rules)
    }

    private mutating func collectDeclaredEvents(_ types: [String: JSON]) {
        for (name, type) in types {
            declaredEvents[name] = Set(type["events"]?.object?.keys.map { $0 } ?? [])
        }
    }

    /// Checks `^[a-z][a-z0-9_]*$`.
    mutating func checkName(_ name: String, at path: SpecPath, kind: String) {
        guard !Self.isSnakeCase(name) else { return }
        report(
            path,
            "'\(name)' is not a valid \(kind) name: use lower-case snake_case (a-z, 0-9, _), starting with a letter")
    }

    static func isSnakeCase(_ name: String) -> Bool {
        guard let first = name.utf8.first, (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(first) else { return false }
        return name.utf8.allSatisfy {
            (UInt8(ascii: "a")...UInt8(ascii: "z")).contains($0) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0)
                || $0 == UInt8(ascii: "_")
        }
    }

    /// An array of snake_case names, such as `agent_types`.
    private mutating func names(_ json: JSON?, at path: SpecPath, required: Bool) -> [String] {
        guard let json else {
            if required { report(path, "missing: list the names allowed here, such as [\"user\"]") }
            return []
        }
        guard case .array(let elements) = json else {
            report(path, "must be an array of names, such as [\"user\"]")
            return []
        }
        if required && elements.isEmpty { report(path, "must list at least one name") }
        var result: [String] = []
        for (index, element) in elements.enumerated() {
            guard case .string(let name) = element else {
                report(path.index(index), "must be a name (a string), not \(element.kindPhrase)")
                continue
            }
            checkName(name, at: path.index(index), kind: "name")
            result.append(name)
        }
        return result
    }

    /// `modules`: an object whose values list aggregate types, such as `{"cache": ["order"]}`.
    private mutating func checkModules(_ json: JSON?, at path: SpecPath) {
        guard let json else { return }
        guard case .object(let modules) = json else {
            report(
                path, "must be an object of module names to lists of aggregate types, such as {\"cache\": [\"order\"]}")
            return
        }
        for name in modules.keys.sorted() {
            guard case .array(let types) = modules[name]! else {
                report(path.key(name), "must be an array of aggregate type names")
                continue
            }
            for (index, type) in types.enumerated() where type.string.map({ declaredEvents[$0] == nil }) ?? true {
                report(path.key(name).index(index), "names no aggregate type declared in 'aggregate_types'")
            }
        }
    }

    private mutating func compileAggregate(
        _ name: String, _ json: JSON, at path: SpecPath, rules: SpecRules
    ) -> CompiledAggregateType? {
        guard case .object(let members) = json else {
            report(path, "an aggregate type must be an object with 'events'")
            return nil
        }
        for key in members.keys.sorted() where !["events", "data_subject", "$comment"].contains(key) {
            report(path.key(key), "unknown key '\(key)'; an aggregate type holds 'events' and 'data_subject'")
        }
        let subject = members["data_subject"].map { ($0, path.key("data_subject")) }
        let eventsPath = path.key("events")
        guard case .object(let events)? = members["events"] else {
            report(
                members["events"] == nil ? path : eventsPath,
                members["events"] == nil
                    ? "missing 'events': an object of event names to their schema and handler"
                    : "'events' must be an object of event names to their schema and handler")
            return nil
        }
        var definitions: [String: EventDefinition] = [:]
        for eventName in events.keys.sorted() {
            let eventPath = eventsPath.key(eventName)
            checkName(eventName, at: eventPath, kind: "event")
            if let definition = compileEvent(eventName, events[eventName]!, at: eventPath, dataSubject: subject) {
                definitions[eventName] = definition
            }
        }
        return CompiledAggregateType(name: name, events: definitions, rules: rules, limits: limits)
    }

    private mutating func compileEvent(
        _ name: String, _ json: JSON, at path: SpecPath, dataSubject: (text: JSON, path: SpecPath)?
    ) -> EventDefinition? {
        guard case .object(let members) = json else {
            report(path, "an event must be an object with 'schema' and 'handler'")
            return nil
        }
        for key in members.keys.sorted() where !Self.eventKeys.contains(key) {
            report(
                path.key(key),
                "unknown key '\(key)'; an event holds schema, handler, and optionally requires, implications and "
                    + "data_subject")
        }
        variableCount = 0
        let scope = VariableScope()
        var schema: JSONSchema?
        if let schemaJSON = members["schema"] {
            do {
                let compiled = try JSONSchema(
                    compiling: schemaJSON, options: JSONSchema.Options(assertFormats: assertFormats))
                let schemaPath = path.key("schema")
                warnings += compiled.warnings.map {
                    SpecProblem(path: schemaPath.appending($0.path).description, message: $0.message)
                }
                schema = compiled
            } catch {
                for problem in error.problems { report(path.key("schema").appending(problem.path), problem.message) }
            }
        } else {
            report(path, "missing 'schema': the JSON Schema of the event's data (use {} to accept any data)")
        }
        var handler: [CompiledOp] = []
        if let handlerJSON = members["handler"] {
            handler = compileOps(handlerJSON, at: path.key("handler"), scope: scope)
        } else {
            report(path, "missing 'handler': the ops that apply the event to the state ([] for none)")
        }
        var requires: CompiledPredicate?
        if let requiresJSON = members["requires"] {
            let requiresPath = path.key("requires")
            requires = CompiledPredicate(
                path: requiresPath.description, evaluate: compilePredicate(requiresJSON, at: requiresPath, scope: scope)
            )
        }
        var implications: [CompiledImplication] = []
        var schedules: [CompiledSchedule] = []
        if let implicationsJSON = members["implications"] {
            (implications, schedules) = compileImplications(implicationsJSON, at: path.key("implications"))
        }
        let personalData = members["schema"].flatMap { schemaJSON in
            compilePersonalData(
                schema: schemaJSON,
                subject: members["data_subject"].map { ($0, path.key("data_subject")) } ?? dataSubject,
                at: path)
        }
        guard let schema else { return nil }
        return EventDefinition(
            name: name, path: path.description, schema: schema, handler: handler, requires: requires,
            implications: implications, schedules: schedules, personalData: personalData,
            variableCount: variableCount)
    }
}
