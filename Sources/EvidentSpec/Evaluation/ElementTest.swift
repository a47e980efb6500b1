import Evident

/// A compiled `where`: a predicate over the bound element, or a match of element fields to values.
enum ElementTest: Sendable {
    case predicate(PredicateEvaluator)
    /// Field names and expected values. Unless `perElement` (a value reads the element variable), the values
    /// are evaluated once per op rather than once per element.
    case match([(String, CompiledValue)], perElement: Bool)

    /// The indices of the elements that pass, evaluated with each element bound to `slot` when needed; each
    /// element visited is a step.
    func matchingIndices(
        in elements: [JSON], slot: Int, state: JSON, context: inout EvaluationContext
    ) throws(EvaluationSignal) -> [Int] {
        try context.step(elements.count)
        var indices: [Int] = []
        defer { context.variables[slot] = .null }
        switch self {
        case .match(let fields, perElement: false):
            let expected = try Self.expectedFields(fields, state: state, context: &context)
            for (index, element) in elements.enumerated() where Self.matches(element, expected) {
                indices.append(index)
            }
        case .match(let fields, perElement: true):
            for (index, element) in elements.enumerated() {
                context.variables[slot] = element
                let expected = try Self.expectedFields(fields, state: state, context: &context)
                if Self.matches(element, expected) { indices.append(index) }
            }
        case .predicate(let predicate):
            for (index, element) in elements.enumerated() {
                context.variables[slot] = element
                if try predicate(state, &context) { indices.append(index) }
            }
        }
        return indices
    }

    /// The values a match expects, evaluated.
    static func expectedFields(
        _ fields: [(String, CompiledValue)], state: JSON, context: inout EvaluationContext
    ) throws(EvaluationSignal) -> [(String, JSON)] {
        var expected: [(String, JSON)] = []
        expected.reserveCapacity(fields.count)
        for (key, value) in fields { expected.append((key, try value.evaluate(state, &context))) }
        return expected
    }

    /// Whether `element` is an object whose fields equal the expected values.
    static func matches(_ element: JSON, _ expected: [(String, JSON)]) -> Bool {
        guard case .object(let fields) = element else { return false }
        for (key, value) in expected {
            guard let actual = fields[key], actual == value else { return false }
        }
        return true
    }
}
