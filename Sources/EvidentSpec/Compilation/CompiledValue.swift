import Evident

/// Evaluates a value against the state and the evaluation context (which counts its steps).
typealias ValueEvaluator = @Sendable (JSON, inout EvaluationContext) throws(EvaluationSignal) -> JSON

/// A value compiled from a spec: a constant, known when the spec is loaded, or an evaluator.
enum CompiledValue: Sendable {
    case constant(JSON)
    case dynamic(ValueEvaluator)

    func evaluate(_ state: JSON, _ context: inout EvaluationContext) throws(EvaluationSignal) -> JSON {
        switch self {
        case .constant(let value): value
        case .dynamic(let evaluate): try evaluate(state, &context)
        }
    }

    var constant: JSON? {
        if case .constant(let value) = self { value } else { nil }
    }
}
