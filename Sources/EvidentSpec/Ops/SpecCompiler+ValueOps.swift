import Evident

extension SpecCompiler {
    /// `set`, `merge`, `increment`, `decrement` and their `_at` forms (plus `remove_at`): ops that write one
    /// value at a target, or at a key of the object at a target.
    mutating func compileValueOp(_ op: HandlerOp, _ json: JSON, at path: SpecPath, scope: VariableScope) -> OpRunner? {
        guard let arguments = arguments(json, of: op, at: path) else { return nil }
        let isKeyed = op.isKeyed
        let target = compileTarget(arguments["target"], at: path.key("target"))
        let key = isKeyed ? valueArgument(arguments, "key", at: path, scope: scope) : nil
        let value = valueArgument(arguments, "value", at: path, scope: scope)
        let deep = flagArgument(arguments, "deep", at: path)
        let amount = amountArgument(arguments, "by", at: path, scope: scope)
        guard let target, !isKeyed || key != nil, value != nil || !op.arguments.required.contains("value") else {
            return nil
        }

        let targetText = target.dotted
        let write: @Sendable (JSON, inout JSON?, inout EvaluationContext) throws(EvaluationSignal) -> Void
        switch op {
        case .set, .setAt:
            write = { value, slot, _ in slot = value }
        case .merge, .mergeAt:
            write = { value, slot, context throws(EvaluationSignal) in
                guard case .object(let patch) = value else {
                    throw .failure("'\(op)' needs an object value, got \(value.kindPhrase)")
                }
                try context.step(patch.count)
                try Self.merge(patch, into: &slot, deep: deep, target: targetText)
            }
        case .removeAt:
            write = { _, slot, _ in slot = nil }
        case .increment, .decrement, .incrementAt:
            let operation: ArithmeticOperation = op == .decrement ? .subtract : .add
            write = { amount, slot, _ throws(EvaluationSignal) in
                guard amount.number != nil else { throw .failure("'by' must be a number, got \(amount.kindPhrase)") }
                let current = slot ?? .null
                guard let result = operation.apply(current.isNull ? .int(0) : current, amount) else {
                    throw .failure("cannot \(op) '\(targetText)': it holds \(current.kindPhrase), not a number")
                }
                slot = result
            }
        case .append, .remove, .filter, .map, .updateWhere, .upsert, .appendUnique, .conditional, .let:
            preconditionFailure("'\(op)' is not a value op")
        }
        let operand = value ?? amount
        let creating = op != .removeAt
        guard let key else {
            return { state, context throws(EvaluationSignal) in
                let value = try operand.evaluate(state, &context)
                try state.modify(at: target, creating: creating) { slot throws(EvaluationSignal) in
                    try write(value, &slot, &context)
                }
            }
        }
        return { state, context throws(EvaluationSignal) in
            let name = try Self.keyName(try key.evaluate(state, &context), op: op)
            let value = try operand.evaluate(state, &context)
            try state.modify(at: target + [.key(name)], creating: creating) { slot throws(EvaluationSignal) in
                try write(value, &slot, &context)
            }
        }
    }

    /// The `key` of a `_at` op: a string, or an integer used as its decimal text.
    static func keyName(_ key: JSON, op: HandlerOp) throws(EvaluationSignal) -> String {
        switch key {
        case .string(let name): return name
        case .int(let number): return String(number)
        default: throw .failure("the 'key' of '\(op)' must be a string, got \(key.kindPhrase)")
        }
    }

    /// Merges `patch` into the object in `slot` (created when missing or null); nested objects merge too when
    /// `deep`.
    static func merge(_ patch: [String: JSON], into slot: inout JSON?, deep: Bool, target: String)
        throws(EvaluationSignal)
    {
        if case .object(var members)? = slot {
            slot = nil
            merge(patch, into: &members, deep: deep)
            slot = .object(members)
        } else if slot == nil || slot!.isNull {
            slot = .object(patch)
        } else {
            throw .failure("cannot merge into '\(target)': it holds \(slot!.kindPhrase), not an object")
        }
    }

    static func merge(_ patch: [String: JSON], into members: inout [String: JSON], deep: Bool) {
        for (key, value) in patch {
            if deep, case .object(let inner) = value, case .object(var existing)? = members[key] {
                members[key] = nil
                merge(inner, into: &existing, deep: true)
                members[key] = .object(existing)
            } else {
                members[key] = value
            }
        }
    }
}
