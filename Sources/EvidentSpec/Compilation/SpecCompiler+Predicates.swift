import Evident

extension SpecCompiler {
    static let predicateOperators = [
        "equals", "not_equals", "gt", "gte", "lt", "lte", "in", "not_in", "exists", "and", "or", "not",
    ]

    /// Compiles a predicate: an object whose single key is a predicate operator. A missing reference in an
    /// operand reads as null, so `{"not_equals": ["@.status", "cancelled"]}` holds on a new aggregate.
    mutating func compilePredicate(_ json: JSON, at path: SpecPath, scope: VariableScope) -> PredicateEvaluator {
        guard case .object(let members) = json, members.count == 1, let (name, argument) = members.first else {
            report(
                path,
                "a predicate must be an object with one operator (\(Self.predicateOperators.joined(separator: ", "))), "
                    + "such as {\"equals\": [\"@.status\", \"open\"]}")
            return { _, _ in false }
        }
        let argumentPath = path.key(name)
        switch name {
        case "equals", "not_equals", "gt", "gte", "lt", "lte":
            guard let (lhs, rhs) = pair(argument, of: name, at: argumentPath, scope: scope) else {
                return { _, _ in false }
            }
            let test: @Sendable (JSON, JSON) -> Bool =
                switch name {
                case "equals": { $0 == $1 }
                case "not_equals": { $0 != $1 }
                case "gt": { JSON.order($0, $1) == .descending }
                case "gte": { JSON.order($0, $1).map { $0 != .ascending } ?? false }
                case "lt": { JSON.order($0, $1) == .ascending }
                default: { JSON.order($0, $1).map { $0 != .descending } ?? false }
                }
            return { state, context throws(EvaluationSignal) in
                test(try lhs.evaluate(state, &context), try rhs.evaluate(state, &context))
            }
        case "in", "not_in":
            guard let (needle, list) = pair(argument, of: name, at: argumentPath, scope: scope) else {
                return { _, _ in false }
            }
            if let constant = list.constant, constant.array == nil {
                report(
                    argumentPath.index(1), "'\(name)' needs an array as its second value, not \(constant.kindPhrase)")
            }
            let negated = name == "not_in"
            return { state, context throws(EvaluationSignal) in
                let value = try needle.evaluate(state, &context)
                guard case .array(let elements) = try list.evaluate(state, &context) else {
                    throw .failure("'\(negated ? "not_in" : "in")' needs an array as its second value")
                }
                try context.step(elements.count)
                return elements.contains(value) != negated
            }
        case "exists":
            guard case .string(let text) = argument, Self.isReference(text) else {
                report(argumentPath, "'exists' takes a reference, such as {\"exists\": \"$.data.note\"}")
                return { _, _ in false }
            }
            guard let reference = compileReference(text, at: argumentPath, scope: scope) else {
                return { _, _ in false }
            }
            return { state, context in
                guard let value = reference.lookup(state: state, context: context) else { return false }
                return !value.isNull
            }
        case "and", "or":
            guard case .array(let elements) = argument, !elements.isEmpty else {
                report(argumentPath, "'\(name)' takes a non-empty array of predicates")
                return { _, _ in false }
            }
            let predicates = elements.enumerated().map {
                compilePredicate($0.element, at: argumentPath.index($0.offset), scope: scope)
            }
            if name == "and" {
                return { state, context throws(EvaluationSignal) in
                    for predicate in predicates where !(try predicate(state, &context)) { return false }
                    return true
                }
            }
            return { state, context throws(EvaluationSignal) in
                for predicate in predicates where try predicate(state, &context) { return true }
                return false
            }
        case "not":
            let predicate = compilePredicate(argument, at: argumentPath, scope: scope)
            return { state, context throws(EvaluationSignal) in !(try predicate(state, &context)) }
        default:
            report(
                path.key(name),
                "unknown predicate '\(name)'; the predicates are \(Self.predicateOperators.joined(separator: ", "))")
            return { _, _ in false }
        }
    }

    private mutating func pair(
        _ json: JSON, of name: String, at path: SpecPath, scope: VariableScope
    ) -> (CompiledValue, CompiledValue)? {
        guard let elements = operands(json, of: name, count: 2, at: path) else { return nil }
        return (
            compileValue(elements[0], at: path.index(0), scope: scope, missingAsNull: true),
            compileValue(elements[1], at: path.index(1), scope: scope, missingAsNull: true)
        )
    }

    /// Compiles a `where`: a predicate (an object whose single key is a predicate operator) or a match (an
    /// object of element fields to values, all of which must be equal). The element is in `slot`. As in
    /// predicates, a missing reference in a match value reads as null.
    mutating func compileWhere(_ json: JSON, at path: SpecPath, scope: VariableScope, slot: Int) -> ElementTest? {
        guard case .object(let members) = json, !members.isEmpty else {
            report(
                path,
                "'where' takes a match such as {\"id\": \"$.data.id\"} or a predicate such as {\"gt\": [\"$item.qty\", 0]}"
            )
            return nil
        }
        if members.count == 1, let name = members.keys.first, Self.predicateOperators.contains(name) {
            return .predicate(compilePredicate(json, at: path, scope: scope))
        }
        let outerReads = readSlots
        readSlots = []
        let fields = members.keys.sorted().map { key in
            (key, compileValue(members[key]!, at: path.key(key), scope: scope, missingAsNull: true))
        }
        let readsElement = readSlots.contains(slot)
        readSlots.formUnion(outerReads)
        return .match(fields, perElement: readsElement)
    }
}
