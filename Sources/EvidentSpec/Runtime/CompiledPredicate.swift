/// A predicate with its path in the spec, such as an event's `requires`.
struct CompiledPredicate: Sendable {
    let path: String
    let evaluate: PredicateEvaluator
}
