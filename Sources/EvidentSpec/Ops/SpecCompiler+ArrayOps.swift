import Evident

extension SpecCompiler {
    /// `append`, `remove`, `filter`, `map`, `update_where`, `upsert`, `append_unique`: ops on the array at a
    /// target (`remove` without `where` deletes the target instead).
    mutating func compileArrayOp(_ op: HandlerOp, _ json: JSON, at path: SpecPath, scope: VariableScope) -> OpRunner? {
        guard let arguments = arguments(json, of: op, at: path) else { return nil }
        let allowsRoot = !(op == .remove && arguments["where"] == nil)
        guard let target = compileTarget(arguments["target"], at: path.key("target"), allowRoot: allowsRoot) else {
            _ = valueArgument(arguments, "value", at: path, scope: scope)
            return nil
        }
        let targetText = target.isEmpty ? "the state" : "'\(target.dotted)'"

        switch op {
        case .append:
            guard let value = valueArgument(arguments, "value", at: path, scope: scope) else { return nil }
            return { state, context throws(EvaluationSignal) in
                let element = try value.evaluate(state, &context)
                try state.modify(at: target, creating: true) { slot throws(EvaluationSignal) in
                    try Self.withArray(&slot, op: op, target: targetText) { $0.append(element) }
                }
            }
        case .upsert:
            let key = fieldArgument(arguments, "key", at: path)
            let merging = flagArgument(arguments, "merge", at: path)
            guard let value = valueArgument(arguments, "value", at: path, scope: scope), let key else { return nil }
            return { state, context throws(EvaluationSignal) in
                let element = try value.evaluate(state, &context)
                guard case .object(let fields) = element, let id = fields[key] else {
                    throw .failure("'upsert' needs an object value with the field '\(key)'")
                }
                try Self.stepThroughArray(at: target, in: state, context: &context)
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
        case .appendUnique:
            let key = fieldArgument(arguments, "key", at: path)
            guard let value = valueArgument(arguments, "value", at: path, scope: scope) else { return nil }
            return { state, context throws(EvaluationSignal) in
                let element = try value.evaluate(state, &context)
                let id = key.flatMap { element[$0] }
                try Self.stepThroughArray(at: target, in: state, context: &context)
                try state.modify(at: target, creating: true) { slot throws(EvaluationSignal) in
                    try Self.withArray(&slot, op: op, target: targetText) { elements in
                        let present =
                            if let key, let id {
                                elements.contains { $0[key] == id }
                            } else {
                                elements.contains(element)
                            }
                        if !present { elements.append(element) }
                    }
                }
            }
        case .remove where arguments["where"] == nil:
            return { state, _ throws(EvaluationSignal) in
                try state.modify(at: target, creating: false) { slot in slot = nil }
            }
        case .remove, .filter, .map, .updateWhere:
            return compileElementOp(op, arguments, target: target, targetText: targetText, at: path, scope: scope)
        case .set, .merge, .increment, .decrement, .setAt, .mergeAt, .removeAt, .incrementAt, .conditional, .let:
            preconditionFailure("'\(op)' is not an array op")
        }
    }

    /// `remove` with `where`, `filter`, `map` and `update_where`: ops that evaluate something per element,
    /// with the element bound. They evaluate everything first, then write, so a failure or a skip midway
    /// leaves the state as it was; the write happens in place once the array is no longer shared.
    private mutating func compileElementOp(
        _ op: HandlerOp, _ arguments: [String: JSON], target: [PathSegment], targetText: String, at path: SpecPath,
        scope: VariableScope
    ) -> OpRunner? {
        var elementName = "item"
        if op == .map, let json = arguments["as"] {
            guard let name = variableName(json, at: path.key("as")) else { return nil }
            elementName = name
        }
        let (inner, slot) = bind(elementName, in: scope)
        let test = arguments["where"].flatMap { compileWhere($0, at: path.key("where"), scope: inner, slot: slot) }
        let value = valueArgument(arguments, "value", at: path, scope: inner)
        var replacement: CompiledValue?
        var merging = false
        let outerReads = readSlots
        readSlots = []
        defer { readSlots.formUnion(outerReads) }
        if op == .updateWhere {
            switch (arguments["set"], arguments["merge"]) {
            case (let set?, nil): replacement = compileValue(set, at: path.key("set"), scope: inner)
            case (nil, let merge?):
                replacement = compileValue(merge, at: path.key("merge"), scope: inner)
                merging = true
            case (.some, .some): report(path, "'update_where' takes either 'set' or 'merge', not both")
            case (nil, nil): report(path, "'update_where' needs 'set' (replace the element) or 'merge' (merge into it)")
            }
        }
        /// The array at the target, or nil when there is nothing to do.
        @Sendable func elements(in state: JSON) throws(EvaluationSignal) -> [JSON]? {
            guard let current = state.value(at: target), !current.isNull else { return nil }
            guard case .array(let elements) = current else {
                throw .failure("'\(op)' needs an array at \(targetText), found \(current.kindPhrase)")
            }
            return elements
        }
        if case .match(let fields, perElement: false)? = test, op != .map, !readSlots.contains(slot) {
            return compileMatchOp(
                op, fields, replacement: replacement, merging: merging, target: target, targetText: targetText)
        }
        switch op {
        case .remove, .filter:
            guard let test else { return nil }
            let removesMatches = op == .remove
            return { state, context throws(EvaluationSignal) in
                guard let array = try elements(in: state) else { return }
                let matches = try test.matchingIndices(in: array, slot: slot, state: state, context: &context)
                let count = array.count
                guard removesMatches ? !matches.isEmpty : matches.count < count else { return }
                try state.modify(at: target, creating: false) { slot throws(EvaluationSignal) in
                    try Self.withArray(&slot, op: op, target: targetText) { elements in
                        if removesMatches {
                            for index in matches.reversed() { elements.remove(at: index) }
                        } else {
                            var kept: [JSON] = []
                            kept.reserveCapacity(matches.count)
                            for index in matches { kept.append(elements[index]) }
                            elements = kept
                        }
                    }
                }
            }
        case .map:
            guard let value else { return nil }
            return { state, context throws(EvaluationSignal) in
                guard let array = try elements(in: state) else { return }
                try context.step(array.count)
                var result: [JSON] = []
                result.reserveCapacity(array.count)
                defer { context.variables[slot] = .null }
                for element in array {
                    context.variables[slot] = element
                    result.append(try value.evaluate(state, &context))
                }
                try state.modify(at: target, creating: true) { $0 = .array(result) }
            }
        case .updateWhere:
            guard let test, let replacement else { return nil }
            let isMerge = merging
            return { state, context throws(EvaluationSignal) in
                var updates: [(index: Int, value: JSON)] = []
                do {
                    guard let array = try elements(in: state) else { return }
                    let matches = try test.matchingIndices(in: array, slot: slot, state: state, context: &context)
                    guard !matches.isEmpty else { return }
                    defer { context.variables[slot] = .null }
                    for index in matches {
                        context.variables[slot] = array[index]
                        let new = try replacement.evaluate(state, &context)
                        if isMerge {
                            guard case .object = new else {
                                throw .failure("'update_where' needs an object to merge, got \(new.kindPhrase)")
                            }
                            guard case .object = array[index] else {
                                throw .failure(
                                    "cannot merge into an element of \(targetText): it is \(array[index].kindPhrase)")
                            }
                        }
                        updates.append((index, new))
                    }
                }
                guard !updates.isEmpty else { return }
                try state.modify(at: target, creating: false) { slot throws(EvaluationSignal) in
                    try Self.withArray(&slot, op: op, target: targetText) { elements in
                        for (index, new) in updates {
                            guard isMerge, case .object(let patch) = new, case .object(var fields) = elements[index]
                            else {
                                elements[index] = new
                                continue
                            }
                            elements[index] = .null
                            Self.merge(patch, into: &fields, deep: false)
                            elements[index] = .object(fields)
                        }
                    }
                }
            }
        case .set, .merge, .append, .increment, .decrement, .upsert, .appendUnique, .setAt, .mergeAt, .removeAt,
            .incrementAt, .conditional, .let:
            preconditionFailure("'\(op)' is not an element op")
        }
    }

    /// The fast form of `remove`, `filter` and `update_where` when `where` is a match whose values, and the
    /// replacement, do not read the element: everything is evaluated once, then the array is changed in place
    /// in one pass that cannot fail (a matching element is always an object).
    private func compileMatchOp(
        _ op: HandlerOp, _ fields: [(String, CompiledValue)], replacement: CompiledValue?, merging: Bool,
        target: [PathSegment], targetText: String
    ) -> OpRunner? {
        if op == .updateWhere && replacement == nil { return nil }
        let removesMatches = op == .remove
        return { state, context throws(EvaluationSignal) in
            let expected = try ElementTest.expectedFields(fields, state: state, context: &context)
            let new = try replacement?.evaluate(state, &context)
            if merging, let new, new.object == nil {
                throw .failure("'update_where' needs an object to merge, got \(new.kindPhrase)")
            }
            try Self.stepThroughArray(at: target, in: state, context: &context)
            try state.modify(at: target, creating: false) { slot throws(EvaluationSignal) in
                switch slot {
                case nil, .null?: return
                default: break
                }
                try Self.withArray(&slot, op: op, target: targetText) { elements in
                    guard let new else {
                        return elements.removeAll { ElementTest.matches($0, expected) == removesMatches }
                    }
                    for index in elements.indices where ElementTest.matches(elements[index], expected) {
                        guard merging, case .object(let patch) = new, case .object(var fields) = elements[index] else {
                            elements[index] = new
                            continue
                        }
                        elements[index] = .null
                        Self.merge(patch, into: &fields, deep: false)
                        elements[index] = .object(fields)
                    }
                }
            }
        }
    }

    /// Counts a step for each element of the array at `target`, which an op is about to visit.
    static func stepThroughArray(
        at target: [PathSegment], in state: JSON, context: inout EvaluationContext
    ) throws(EvaluationSignal) {
        if case .array(let elements)? = state.value(at: target) { try context.step(elements.count) }
    }

    /// Runs `body` on the array in `slot` (created when missing or null); fails when it holds anything else.
    static func withArray(
        _ slot: inout JSON?, op: HandlerOp, target: String, _ body: (inout [JSON]) -> Void
    ) throws(EvaluationSignal) {
        if case .array(var elements)? = slot {
            slot = nil
            body(&elements)
            slot = .array(elements)
        } else if slot == nil || slot!.isNull {
            var elements: [JSON] = []
            body(&elements)
            slot = .array(elements)
        } else {
            throw .failure("'\(op)' needs an array at \(target), found \(slot!.kindPhrase)")
        }
    }
}

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
