import Evident

extension SpecCompiler {
    /// `append`, `remove`, `filter`, `map`, `update_where`, `upsert`, `append_unique`: ops on the array at a
    /// target (`remove` without `where` deletes the target instead).
    mutating func compileArrayOp(_ op: String, _ json: JSON, at path: SpecPath, scope: VariableScope) -> OpRunner? {
        let required: [String], optional: [String]
        switch op {
        case "append": (required, optional) = (["target", "value"], [])
        case "remove": (required, optional) = (["target"], ["where"])
        case "filter": (required, optional) = (["target", "where"], [])
        case "map": (required, optional) = (["target", "value"], ["as"])
        case "update_where": (required, optional) = (["target", "where"], ["set", "merge"])
        case "upsert": (required, optional) = (["target", "key", "value"], ["merge"])
        default: (required, optional) = (["target", "value"], ["key"])  // append_unique
        }
        guard let arguments = arguments(json, of: op, at: path, required: required, optional: optional) else {
            return nil
        }
        let allowsRoot = !(op == "remove" && arguments["where"] == nil)
        guard let target = compileTarget(arguments["target"], at: path.key("target"), allowRoot: allowsRoot) else {
            _ = valueArgument(arguments, "value", at: path, scope: scope)
            return nil
        }
        let targetText = target.isEmpty ? "the state" : "'\(target.dotted)'"

        switch op {
        case "append":
            guard let value = valueArgument(arguments, "value", at: path, scope: scope) else { return nil }
            return { state, context throws(EvaluationSignal) in
                let element = try value.evaluate(state, context)
                try state.modify(at: target, creating: true) { slot throws(EvaluationSignal) in
                    try Self.withArray(&slot, op: op, target: targetText) { $0.append(element) }
                }
            }
        case "upsert", "append_unique":
            let key = op == "upsert" ? fieldArgument(arguments, "key", at: path) : nil
            let optionalKey = op == "append_unique" ? fieldArgument(arguments, "key", at: path) : nil
            let merging = flagArgument(arguments, "merge", at: path)
            guard let value = valueArgument(arguments, "value", at: path, scope: scope) else { return nil }
            if op == "upsert" {
                guard let key else { return nil }
                return { state, context throws(EvaluationSignal) in
                    let element = try value.evaluate(state, context)
                    guard case .object(let fields) = element, let id = fields[key] else {
                        throw .failure("'upsert' needs an object value with the field '\(key)'")
                    }
                    try state.modify(at: target, creating: true) { slot throws(EvaluationSignal) in
                        try Self.withArray(&slot, op: op, target: targetText) { elements in
                            guard let index = elements.firstIndex(where: { $0[key] == id }) else {
                                return elements.append(element)
                            }
                            guard merging, case .object(var existing) = elements[index] else {
                                return elements[index] = element
                            }
                            elements[index] = .null
                            Self.merge(fields, into: &existing, deep: false)
                            elements[index] = .object(existing)
                        }
                    }
                }
            }
            return { state, context throws(EvaluationSignal) in
                let element = try value.evaluate(state, context)
                let id = optionalKey.flatMap { element[$0] }
                try state.modify(at: target, creating: true) { slot throws(EvaluationSignal) in
                    try Self.withArray(&slot, op: op, target: targetText) { elements in
                        let present =
                            if let optionalKey, let id {
                                elements.contains { $0[optionalKey] == id }
                            } else {
                                elements.contains(element)
                            }
                        if !present { elements.append(element) }
                    }
                }
            }
        case "remove" where arguments["where"] == nil:
            return { state, _ throws(EvaluationSignal) in
                try state.modify(at: target, creating: false) { slot in slot = nil }
            }
        default:
            return compileElementOp(op, arguments, target: target, targetText: targetText, at: path, scope: scope)
        }
    }

    /// `remove` with `where`, `filter`, `map` and `update_where`: ops that evaluate something per element,
    /// with the element bound. They read the array, build the new one, then write it, so a failure or a skip
    /// midway leaves the state as it was.
    private mutating func compileElementOp(
        _ op: String, _ arguments: [String: JSON], target: [PathSegment], targetText: String, at path: SpecPath,
        scope: VariableScope
    ) -> OpRunner? {
        var elementName = "item"
        if op == "map", let json = arguments["as"] {
            guard let name = variableName(json, at: path.key("as")) else { return nil }
            elementName = name
        }
        let (inner, slot) = bind(elementName, in: scope)
        let test = arguments["where"].map { compileWhere($0, at: path.key("where"), scope: inner, slot: slot) }
        let value = valueArgument(arguments, "value", at: path, scope: inner)
        var replacement: CompiledValue?
        var merging = false
        if op == "update_where" {
            switch (arguments["set"], arguments["merge"]) {
            case (let set?, nil): replacement = compileValue(set, at: path.key("set"), scope: inner)
            case (nil, let merge?):
                replacement = compileValue(merge, at: path.key("merge"), scope: inner)
                merging = true
            case (.some, .some): report(path, "'update_where' takes either 'set' or 'merge', not both")
            case (nil, nil): report(path, "'update_where' needs 'set' (replace the element) or 'merge' (merge into it)")
            }
        }
        let keepsMatches = op == "filter"
        let isMerge = merging
        let transform: ElementTransform
        switch op {
        case "remove", "filter":
            guard let test else { return nil }
            transform = { element, state, context throws(EvaluationSignal) in
                try test(state, context) == keepsMatches ? element : Optional<JSON>.none
            }
        case "map":
            guard let value else { return nil }
            transform = { _, state, context throws(EvaluationSignal) in try value.evaluate(state, context) }
        default:
            guard let test, let replacement else { return nil }
            transform = { element, state, context throws(EvaluationSignal) in
                guard try test(state, context) else { return element }
                let new = try replacement.evaluate(state, context)
                guard isMerge else { return new }
                guard case .object(let patch) = new else {
                    throw .failure("'update_where' needs an object to merge, got \(new.kindPhrase)")
                }
                guard case .object(var fields) = element else {
                    throw .failure("cannot merge into an element of \(targetText): it is \(element.kindPhrase)")
                }
                Self.merge(patch, into: &fields, deep: false)
                return .object(fields)
            }
        }
        return { state, context throws(EvaluationSignal) in
            guard let current = state.value(at: target), !current.isNull else { return }
            guard case .array(let elements) = current else {
                throw .failure("'\(op)' needs an array at \(targetText), found \(current.kindPhrase)")
            }
            var result: [JSON] = []
            result.reserveCapacity(elements.count)
            defer { context.variables[slot] = .null }
            for element in elements {
                context.variables[slot] = element
                if let new = try transform(element, state, &context) { result.append(new) }
            }
            try state.modify(at: target, creating: true) { $0 = .array(result) }
        }
    }

    /// Runs `body` on the array in `slot` (created when missing or null); fails when it holds anything else.
    static func withArray(
        _ slot: inout JSON?, op: String, target: String, _ body: (inout [JSON]) -> Void
    ) throws(EvaluationSignal) {
        switch slot {
        case nil, .null?:
            var elements: [JSON] = []
            body(&elements)
            slot = .array(elements)
        case .array(var elements)?:
            slot = nil
            body(&elements)
            slot = .array(elements)
        case let other?:
            throw .failure("cannot \(op) to \(target): it holds \(other.kindPhrase), not an array")
        }
    }
}

/// What an element op does with one element (bound in the context): its replacement, or nil to drop it.
private typealias ElementTransform = @Sendable (JSON, JSON, inout EvaluationContext) throws(EvaluationSignal) -> JSON?

extension JSON {
    /// The value at a dot path, or nil when some step is missing.
    func value(at path: [PathSegment]) -> JSON? {
        var value = self
        for segment in path {
            guard let next = value.member(segment) else { return nil }
            value = next
        }
        return value
    }
}
