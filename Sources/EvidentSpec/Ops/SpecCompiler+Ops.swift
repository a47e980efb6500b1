import Evident

extension SpecCompiler {
    /// Compiles a handler: one op, or an array of ops applied in order.
    mutating func compileOps(_ json: JSON, at path: SpecPath, scope: VariableScope) -> [CompiledOp] {
        switch json {
        case .array(let elements):
            return elements.enumerated().compactMap { compileOp($0.element, at: path.index($0.offset), scope: scope) }
        case .object:
            return compileOp(json, at: path, scope: scope).map { [$0] } ?? []
        default:
            report(
                path,
                "must be an op, such as {\"set\": {\"target\": \"status\", \"value\": \"open\"}}, or an array of ops")
            return []
        }
    }

    /// Compiles one op: a one-key object, `{"<op>": {…arguments…}}`.
    mutating func compileOp(_ json: JSON, at path: SpecPath, scope: VariableScope) -> CompiledOp? {
        guard case .object(let members) = json, members.count == 1, let (name, argument) = members.first else {
            report(path, "an op is an object with exactly one key, the op's name, such as {\"set\": {…}}")
            return nil
        }
        let opPath = path.key(name)
        guard let op = HandlerOp(rawValue: name) else {
            let names = HandlerOp.allCases.map(\.rawValue).joined(separator: ", ")
            report(opPath, "unknown op '\(name)'; the ops are \(names)")
            return nil
        }
        let run: OpRunner? =
            switch op {
            case .set, .merge, .setAt, .mergeAt, .removeAt, .increment, .decrement, .incrementAt:
                compileValueOp(op, argument, at: opPath, scope: scope)
            case .append, .remove, .filter, .map, .updateWhere, .upsert, .appendUnique:
                compileArrayOp(op, argument, at: opPath, scope: scope)
            case .conditional:
                compileConditional(argument, at: opPath, scope: scope)
            case .let:
                compileLet(argument, at: opPath, scope: scope)
            }
        return run.map { CompiledOp(path: path.description, run: $0, isAtomic: op.isAtomic) }
    }

    /// The arguments of `op`, reporting unknown and missing ones; nil when they are not an object.
    mutating func arguments(_ json: JSON, of op: HandlerOp, at path: SpecPath) -> [String: JSON]? {
        arguments(json, of: op.rawValue, at: path, required: op.arguments.required, optional: op.arguments.optional)
    }

    /// The arguments of an op or an implication part, reporting unknown and missing ones; nil when they are
    /// not an object.
    mutating func arguments(
        _ json: JSON, of name: String, at path: SpecPath, required: [String], optional: [String] = []
    ) -> [String: JSON]? {
        guard case .object(let arguments) = json else {
            report(
                path,
                "the arguments of '\(name)' must be an object with \((required + optional).joined(separator: ", "))")
            return nil
        }
        for key in arguments.keys.sorted() where !required.contains(key) && !optional.contains(key) {
            report(
                path.key(key),
                "'\(name)' takes no argument '\(key)'; it takes \((required + optional).joined(separator: ", "))")
        }
        for key in required where arguments[key] == nil {
            report(path, "'\(name)' needs '\(key)'")
        }
        return arguments
    }

    /// A target: a dot path into the state with no prefix; `""` is the root. Nil when missing or invalid.
    mutating func compileTarget(_ json: JSON?, at path: SpecPath, allowRoot: Bool = true) -> [PathSegment]? {
        guard let json else { return nil }
        guard case .string(let text) = json else {
            report(path, "a target must be a string: a dot path into the state such as \"items\" or \"profile.name\"")
            return nil
        }
        if text.hasPrefix("@") || text.hasPrefix("$") {
            report(path, "a target is a plain dot path into the state, such as \"items\", without '@' or '$'")
            return nil
        }
        guard let segments = PathSegment.parse(Substring(text)) else {
            report(path, "'\(text)' has an empty segment (check for '..' or a leading or trailing '.')")
            return nil
        }
        if segments.isEmpty && !allowRoot {
            report(path, "the target cannot be the root (\"\") here")
            return nil
        }
        return segments
    }

    /// A value argument, compiled when present.
    mutating func valueArgument(
        _ arguments: [String: JSON], _ name: String, at path: SpecPath, scope: VariableScope
    ) -> CompiledValue? {
        arguments[name].map { compileValue($0, at: path.key(name), scope: scope) }
    }

    /// A boolean flag such as `deep`, false when absent.
    mutating func flagArgument(_ arguments: [String: JSON], _ name: String, at path: SpecPath) -> Bool {
        guard let json = arguments[name] else { return false }
        guard case .bool(let flag) = json else {
            report(path.key(name), "'\(name)' must be true or false, not \(json.kindPhrase)")
            return false
        }
        return flag
    }

    /// A number argument such as `by`: any value, but a literal must be a number. 1 when absent.
    mutating func amountArgument(
        _ arguments: [String: JSON], _ name: String, at path: SpecPath, scope: VariableScope
    ) -> CompiledValue {
        guard let value = valueArgument(arguments, name, at: path, scope: scope) else { return .constant(1) }
        if let constant = value.constant, constant.number == nil {
            report(path.key(name), "'\(name)' must be a number or a reference to one, not \(constant.kindPhrase)")
        }
        return value
    }

    /// A field name argument such as `key` in `upsert`: a literal string.
    mutating func fieldArgument(_ arguments: [String: JSON], _ name: String, at path: SpecPath) -> String? {
        guard let json = arguments[name] else { return nil }
        guard case .string(let field) = json, !field.isEmpty else {
            report(path.key(name), "'\(name)' must be the name of a field of the elements, such as \"id\"")
            return nil
        }
        return field
    }

    /// A variable name argument such as `as`: `$x` or `x`, a letter or `_` then letters, digits and `_`.
    mutating func variableName(_ json: JSON, at path: SpecPath) -> String? {
        guard case .string(let text) = json else {
            report(path, "must be a variable name such as \"$line\", not \(json.kindPhrase)")
            return nil
        }
        let name = text.hasPrefix("$") ? String(text.dropFirst()) : text
        guard let first = name.unicodeScalars.first, first.properties.isAlphabetic || first == "_",
            name.unicodeScalars.allSatisfy({
                $0.properties.isAlphabetic || $0.properties.numericType != nil || $0 == "_"
            })
        else {
            report(path, "'\(text)' is not a variable name: use '$' and a letter, then letters, digits or '_'")
            return nil
        }
        return name
    }
}
