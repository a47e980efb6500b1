import Evident

extension SpecCompiler {
    static let templateForms = [
        "$", "$merge", "$literal", "$add", "$subtract", "$multiply", "$concat", "$coalesce", "$length",
    ]

    /// Compiles a value: a reference, a literal, an array evaluated element by element, or a template.
    ///
    /// With `missingAsNull`, a bare required reference that is missing reads as null instead of failing (for
    /// predicate operands and `$coalesce`); an optional one still skips the op.
    mutating func compileValue(
        _ json: JSON, at path: SpecPath, scope: VariableScope, missingAsNull: Bool = false
    ) -> CompiledValue {
        switch json {
        case .string(let text) where Self.isReference(text):
            guard let reference = compileReference(text, at: path, scope: scope) else { return .constant(.null) }
            if missingAsNull && !reference.isOptional {
                return .dynamic { state, context in reference.lookup(state: state, context: context) ?? .null }
            }
            return .dynamic { state, context throws(EvaluationSignal) in
                try reference.resolve(state: state, context: context)
            }
        case .array(let elements):
            let compiled = elements.enumerated().map {
                compileValue($0.element, at: path.index($0.offset), scope: scope)
            }
            if compiled.allSatisfy({ $0.constant != nil }) { return .constant(.array(compiled.map { $0.constant! })) }
            return .dynamic { state, context throws(EvaluationSignal) in
                try context.step(compiled.count)
                var result: [JSON] = []
                result.reserveCapacity(compiled.count)
                for element in compiled { result.append(try element.evaluate(state, &context)) }
                return .array(result)
            }
        case .object(let members):
            if let form = members.keys.first(where: { $0.hasPrefix("$") }) {
                guard members.count == 1 else {
                    report(
                        path.key(form),
                        Self.templateForms.contains(form)
                            ? "'\(form)' must be the only key of its object"
                            : "unknown template form '\(form)'; use {\"$literal\": …} for keys that start with '$'")
                    return .constant(.null)
                }
                return compileTemplateForm(form, members[form]!, at: path.key(form), scope: scope)
            }
            let compiled = members.keys.sorted().map { key in
                (key, compileValue(members[key]!, at: path.key(key), scope: scope))
            }
            if compiled.allSatisfy({ $0.1.constant != nil }) {
                return .constant(.object(Dictionary(uniqueKeysWithValues: compiled.map { ($0.0, $0.1.constant!) })))
            }
            return .dynamic { state, context throws(EvaluationSignal) in
                try context.step(compiled.count)
                var result: [String: JSON] = Dictionary(minimumCapacity: compiled.count)
                for (key, value) in compiled { result[key] = try value.evaluate(state, &context) }
                return .object(result)
            }
        default:
            return .constant(json)
        }
    }

    /// The operands of a template form or predicate: an array of `count` values (at least `minimum` when
    /// `count` is nil).
    mutating func operands(
        _ json: JSON, of name: String, count: Int? = nil, minimum: Int = 1, at path: SpecPath
    ) -> [JSON]? {
        let shape = count == 2 ? "an array of two values, such as [\"$.data.a\", 1]" : "an array of values"
        guard case .array(let elements) = json else {
            report(path, "'\(name)' takes \(shape), not \(json.kindPhrase)")
            return nil
        }
        if let count, elements.count != count {
            report(path, "'\(name)' takes \(shape); got \(elements.count)")
            return nil
        }
        if elements.count < minimum {
            report(path, "'\(name)' needs at least \(minimum) value\(minimum == 1 ? "" : "s")")
            return nil
        }
        return elements
    }

    private mutating func compileValues(_ elements: [JSON], at path: SpecPath, scope: VariableScope) -> [CompiledValue]
    {
        elements.enumerated().map { compileValue($0.element, at: path.index($0.offset), scope: scope) }
    }

    private mutating func compileTemplateForm(
        _ form: String, _ argument: JSON, at path: SpecPath, scope: VariableScope
    ) -> CompiledValue {
        switch form {
        case "$":
            guard case .string(let text) = argument, Self.isReference(text) else {
                report(path, "'$' takes a reference, such as {\"$\": \"$.data.total\"}")
                return .constant(.null)
            }
            return compileValue(argument, at: path, scope: scope)
        case "$literal":
            return .constant(argument)
        case "$length":
            let value = compileValue(argument, at: path, scope: scope)
            return .dynamic { state, context throws(EvaluationSignal) in
                switch try value.evaluate(state, &context) {
                case .array(let elements): return .int(elements.count)
                case .object(let members): return .int(members.count)
                case .string(let string):
                    try context.step(bytes: string.utf8.count)
                    return .int(string.count)
                case let other:
                    throw .failure("'$length' needs an array, object or string, got \(other.kindPhrase)")
                }
            }
        case "$add", "$subtract", "$multiply":
            let operation: ArithmeticOperation = form == "$add" ? .add : form == "$subtract" ? .subtract : .multiply
            guard let elements = operands(argument, of: form, count: 2, at: path) else { return .constant(.null) }
            let values = compileValues(elements, at: path, scope: scope)
            let (lhs, rhs) = (values[0], values[1])
            return .dynamic { state, context throws(EvaluationSignal) in
                let a = try lhs.evaluate(state, &context)
                let b = try rhs.evaluate(state, &context)
                guard let result = operation.apply(a, b) else {
                    throw .failure("'\(operation.name)' needs two numbers, got \(a.kindPhrase) and \(b.kindPhrase)")
                }
                return result
            }
        case "$merge":
            guard let elements = operands(argument, of: form, at: path) else { return .constant(.null) }
            let values = compileValues(elements, at: path, scope: scope)
            return .dynamic { state, context throws(EvaluationSignal) in
                var result: [String: JSON] = [:]
                for value in values {
                    switch try value.evaluate(state, &context) {
                    case .object(let members):
                        try context.step(members.count)
                        result.merge(members) { _, later in later }
                    case .null: continue
                    case let other: throw .failure("'$merge' merges objects, got \(other.kindPhrase)")
                    }
                }
                return .object(result)
            }
        case "$concat":
            guard let elements = operands(argument, of: form, at: path) else { return .constant(.null) }
            let values = compileValues(elements, at: path, scope: scope)
            return .dynamic { state, context throws(EvaluationSignal) in
                var parts: [JSON] = []
                parts.reserveCapacity(values.count)
                for value in values { parts.append(try value.evaluate(state, &context)) }
                return try Self.concatenate(parts, context: &context)
            }
        case "$coalesce":
            guard let elements = operands(argument, of: form, at: path) else { return .constant(.null) }
            // A bare reference that is missing counts as null here, so '$coalesce' can supply defaults.
            let candidates = elements.enumerated().map {
                compileValue($0.element, at: path.index($0.offset), scope: scope, missingAsNull: true)
            }
            return .dynamic { state, context throws(EvaluationSignal) in
                for candidate in candidates {
                    let value = try candidate.evaluate(state, &context)
                    if !value.isNull { return value }
                }
                return .null
            }
        default:
            report(path, "unknown template form '\(form)'; the forms are \(Self.templateForms.joined(separator: ", "))")
            return .constant(.null)
        }
    }

    /// `$concat`: arrays concatenate into an array (a step per element); otherwise strings, numbers and
    /// booleans join as text (a step per ``EvaluationContext/bytesPerStep`` bytes).
    static func concatenate(_ values: [JSON], context: inout EvaluationContext) throws(EvaluationSignal) -> JSON {
        if values.allSatisfy({ $0.array != nil }) {
            try context.step(values.reduce(0) { $0 + $1.array!.count })
            return .array(values.flatMap { $0.array! })
        }
        var text = ""
        for value in values {
            switch value {
            case .string(let string): text += string
            case .int, .double, .bool: text += value.serializedString()
            default:
                throw .failure(
                    "'$concat' joins strings, numbers and booleans (or only arrays), got \(value.kindPhrase)")
            }
        }
        try context.step(bytes: text.utf8.count)
        return .string(text)
    }
}
