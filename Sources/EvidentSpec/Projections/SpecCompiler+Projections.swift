import Evident

extension SpecCompiler {
    static let projectionKeys = ["name", "for_each", "include_substreams", "sources", "include", "select", "$comment"]

    /// `projections`: an object of projection names to their definitions.
    mutating func compileProjections(_ json: JSON?, at path: SpecPath, rules: SpecRules) -> [String: CompiledProjection]
    {
        guard let json else { return [:] }
        guard case .object(let definitions) = json else {
            report(path, "must be an object of projection names to their definitions, such as {\"orders\": {…}}")
            return [:]
        }
        var projections: [String: CompiledProjection] = [:]
        for name in definitions.keys.sorted() {
            projections[name] = compileProjection(name, definitions[name]!, at: path.key(name), rules: rules)
        }
        return projections
    }

    /// One projection: `for_each` (required), `include_substreams`, `sources`, `include` and `select`.
    mutating func compileProjection(_ name: String, _ json: JSON, at path: SpecPath, rules: SpecRules)
        -> CompiledProjection?
    {
        let problemCount = problems.count
        checkName(name, at: path, kind: "projection")
        guard case .object(let members) = json else {
            report(path, "a projection must be an object with 'for_each' and 'select'")
            return nil
        }
        for key in members.keys.sorted() where !Self.projectionKeys.contains(key) {
            report(
                path.key(key),
                "unknown key '\(key)'; a projection holds name, for_each, include_substreams, sources, include and "
                    + "select")
        }
        if let written = members["name"], written != .string(name) {
            report(path.key("name"), "must be the projection's name, '\(name)', when it is given")
        }
        let forEach = members["for_each"]?.string ?? ""
        if members["for_each"] == nil {
            report(path, "missing 'for_each': the aggregate type with one row per aggregate, such as \"order\"")
        } else {
            checkAggregateType(members["for_each"]!, at: path.key("for_each"))
        }
        var includeSubstreams = false
        switch members["include_substreams"] {
        case nil: break
        case .bool(let flag)?: includeSubstreams = flag
        case let other?: report(path.key("include_substreams"), "must be true or false, not \(other.kindPhrase)")
        }
        variableCount = 0
        readsEvent = false
        defer { readsEvent = true }
        let (idScope, idSlot) = bind("id", in: VariableScope())
        var scope = idScope
        var bindings: [CompiledProjection.Binding] = []
        if let sources = members["sources"] {
            bindings += compileSources(sources, at: path.key("sources"), scope: &scope, idScope: idScope)
        }
        if let include = members["include"] {
            bindings += compileIncludes(include, at: path.key("include"), scope: &scope, rules: rules)
        }
        var select = CompiledValue.constant([:])
        if let selectJSON = members["select"] {
            select = compileSelect(selectJSON, at: path.key("select"), scope: scope)
        } else {
            report(path, "missing 'select': the row's data, such as {\"status\": \"@.status\"}")
        }
        guard problems.count == problemCount else { return nil }
        return CompiledProjection(
            name: name, forEach: forEach, includeSubstreams: includeSubstreams, definition: json,
            contentHash: Hashing.sha256Hex(json.serialized()), idSlot: idSlot, bindings: bindings, select: select,
            variableCount: variableCount, maximumSteps: limits.maximumHandlerSteps)
    }

    private mutating func checkAggregateType(_ json: JSON, at path: SpecPath) {
        guard case .string(let type) = json, declaredEvents[type] != nil else {
            report(
                path,
                "must name an aggregate type declared in 'aggregate_types' ("
                    + declaredEvents.keys.sorted().joined(separator: ", ") + ")")
            return
        }
    }

    /// `sources`: names bound to `"$key"` (the row's own aggregate) or `{"type", "id", "mode"}`.
    private mutating func compileSources(
        _ json: JSON, at path: SpecPath, scope: inout VariableScope, idScope: VariableScope
    ) -> [CompiledProjection.Binding] {
        guard case .object(let sources) = json else {
            report(
                path,
                "must be an object of names to sources, such as {\"customer\": {\"type\": \"customer\", \"id\": "
                    + "\"@.customer_id\"}}")
            return []
        }
        var bindings: [CompiledProjection.Binding] = []
        for name in sources.keys.sorted() {
            let sourcePath = path.key(name)
            checkName(name, at: sourcePath, kind: "source")
            let kind: CompiledProjection.Binding.Kind
            switch sources[name]! {
            case .string("$key"):
                kind = .own
            case .object(let members):
                for key in members.keys.sorted() where !["type", "id", "mode", "$comment"].contains(key) {
                    report(sourcePath.key(key), "unknown key '\(key)'; a source holds type, id and mode")
                }
                guard let type = members["type"], let id = members["id"] else {
                    report(sourcePath, "a source needs 'type' (an aggregate type) and 'id' (a reference)")
                    continue
                }
                checkAggregateType(type, at: sourcePath.key("type"))
                var array = false
                switch members["mode"] {
                case nil: break
                case .string("array")?: array = true
                case .some:
                    report(sourcePath.key("mode"), "must be \"array\" (the id is a list of ids), or left out")
                }
                kind = .reference(
                    type: type.string ?? "", id: compileValue(id, at: sourcePath.key("id"), scope: idScope),
                    array: array)
            default:
                report(sourcePath, "must be \"$key\" (the row's own aggregate) or {\"type\", \"id\", \"mode\"}")
                continue
            }
            let bound = bind(name, in: scope)
            scope = bound.scope
            bindings.append(CompiledProjection.Binding(slot: bound.slot, kind: kind))
        }
        return bindings
    }

    /// `include`: singletons such as `["config:global"]`, each bound to its type's name (`$config`).
    private mutating func compileIncludes(
        _ json: JSON, at path: SpecPath, scope: inout VariableScope, rules: SpecRules
    ) -> [CompiledProjection.Binding] {
        guard case .array(let elements) = json else {
            report(path, "must be an array of singletons, such as [\"config:global\"]")
            return []
        }
        var bindings: [CompiledProjection.Binding] = []
        for (index, element) in elements.enumerated() {
            let elementPath = path.index(index)
            let parts = element.string?.split(separator: ":", maxSplits: 1).map(String.init) ?? []
            guard parts.count == 2, declaredEvents[parts[0]] != nil, rules.singletons.contains(parts[1]) else {
                report(
                    elementPath,
                    "must be 'type:singleton', such as \"config:global\", with a declared aggregate type and a "
                        + "singleton id (global, or one declared in 'singletons')")
                continue
            }
            if scope.slot(of: parts[0]) != nil {
                report(elementPath, "'$\(parts[0])' is bound already (by a source or another include)")
                continue
            }
            let bound = bind(parts[0], in: scope)
            scope = bound.scope
            bindings.append(
                CompiledProjection.Binding(
                    slot: bound.slot, kind: .fixed(ProjectionSource(type: parts[0], id: parts[1]))))
        }
        return bindings
    }

    /// A value of `select`: as any template, plus `$map` and `$lookup`; a bare reference that is missing reads as
    /// null.
    mutating func compileSelect(_ json: JSON, at path: SpecPath, scope: VariableScope) -> CompiledValue {
        switch json {
        case .object(let members) where members["$map"] != nil:
            return compileMap(members, at: path, scope: scope)
        case .object(let members) where members["$lookup"] != nil:
            return compileLookup(members, at: path, scope: scope)
        case .object(let members) where !members.keys.contains(where: { $0.hasPrefix("$") }):
            let compiled = members.keys.sorted().map {
                ($0, compileSelect(members[$0]!, at: path.key($0), scope: scope))
            }
            return .dynamic { state, context throws(EvaluationSignal) in
                try context.step(compiled.count)
                var result: [String: JSON] = Dictionary(minimumCapacity: compiled.count)
                for (key, value) in compiled { result[key] = try value.evaluate(state, &context) }
                return .object(result)
            }
        case .array(let elements):
            let compiled = elements.enumerated().map {
                compileSelect($0.element, at: path.index($0.offset), scope: scope)
            }
            return .dynamic { state, context throws(EvaluationSignal) in
                try context.step(compiled.count)
                var result: [JSON] = []
                for value in compiled { result.append(try value.evaluate(state, &context)) }
                return .array(result)
            }
        default:
            return compileValue(json, at: path, scope: scope, missingAsNull: true)
        }
    }

    /// `{"$map": array, "as": "$item", "to": value}`: `to` evaluated for each element, bound to `as`.
    private mutating func compileMap(_ members: [String: JSON], at path: SpecPath, scope: VariableScope)
        -> CompiledValue
    {
        for key in members.keys.sorted() where !["$map", "as", "to"].contains(key) {
            report(path.key(key), "unknown key '\(key)'; '$map' takes 'as' and 'to'")
        }
        let list = compileSelect(members["$map"]!, at: path.key("$map"), scope: scope)
        var name = "item"
        if let json = members["as"], let given = variableName(json, at: path.key("as")) { name = given }
        let (inner, slot) = bind(name, in: scope)
        guard let toJSON = members["to"] else {
            report(path, "'$map' needs 'to': the value of each element, such as {\"sku\": \"$item.sku\"}")
            return .constant(.null)
        }
        let to = compileSelect(toJSON, at: path.key("to"), scope: inner)
        return .dynamic { state, context throws(EvaluationSignal) in
            let elements: [JSON]
            switch try list.evaluate(state, &context) {
            case .array(let array): elements = array
            case .null: return .array([])
            case let other: throw .failure("'$map' needs an array, got \(other.kindPhrase)")
            }
            try context.step(elements.count)
            var result: [JSON] = []
            result.reserveCapacity(elements.count)
            for element in elements {
                context.variables[slot] = element
                result.append(try to.evaluate(state, &context))
            }
            context.variables[slot] = .null
            return .array(result)
        }
    }

    /// `{"$lookup": type, "where": {"id": value, field: value, …}, "as": "$name", "select": value}`: the
    /// aggregate of `type` with that id, when its state has every other field of `where`, bound to `as` (the
    /// type's name by default) while `select` is evaluated (the whole state without `select`); null when there
    /// is none.
    private mutating func compileLookup(_ members: [String: JSON], at path: SpecPath, scope: VariableScope)
        -> CompiledValue
    {
        for key in members.keys.sorted() where !["$lookup", "where", "as", "select"].contains(key) {
            report(path.key(key), "unknown key '\(key)'; '$lookup' takes 'where', 'as' and 'select'")
        }
        checkAggregateType(members["$lookup"]!, at: path.key("$lookup"))
        let type = members["$lookup"]!.string ?? ""
        guard case .object(let conditions)? = members["where"], conditions["id"] != nil else {
            report(
                path.key("where"),
                "'$lookup' needs 'where' with 'id', such as {\"id\": \"@.customer_id\"}; other fields must equal "
                    + "the looked-up state's")
            return .constant(.null)
        }
        let id = compileSelect(conditions["id"]!, at: path.key("where").key("id"), scope: scope)
        var fields: [([PathSegment], CompiledValue)] = []
        for field in conditions.keys.sorted() where field != "id" {
            guard let segments = PathSegment.parse(Substring(field)) else {
                report(path.key("where").key(field), "a path segment is empty")
                continue
            }
            fields.append((segments, compileSelect(conditions[field]!, at: path.key("where").key(field), scope: scope)))
        }
        var name = type
        if let json = members["as"], let given = variableName(json, at: path.key("as")) { name = given }
        let (inner, slot) = bind(name, in: scope)
        let select = members["select"].map { compileSelect($0, at: path.key("select"), scope: inner) }
        let conditionFields = fields
        return .dynamic { state, context throws(EvaluationSignal) in
            guard case .string(let idText) = try id.evaluate(state, &context),
                let found = context.lookups.state(of: ProjectionSource(type: type, id: idText))
            else { return .null }
            for (segments, value) in conditionFields {
                let expected = try value.evaluate(state, &context)
                var actual: JSON? = found
                for segment in segments { actual = actual?.member(segment) }
                guard actual == expected else { return .null }
            }
            guard let select else { return found }
            context.variables[slot] = found
            defer { context.variables[slot] = .null }
            return try select.evaluate(state, &context)
        }
    }
}
