/// One entry of an event's `implications`, compiled: an `emit`, optionally under a `condition`, and for the
/// `map` form, once per element of an array.
struct CompiledImplication: Sendable {
    /// The `map` form: the array to walk and the slot its elements are bound to.
    struct Iteration: Sendable {
        let over: Reference
        let slot: Int
    }

    let path: String
    let iteration: Iteration?
    let condition: PredicateEvaluator?
    let aggregateType: String
    let eventType: String
    let id: CompiledValue
    let data: CompiledValue
}
