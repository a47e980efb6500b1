/// One event type of an aggregate type, compiled: its schema, handler, `requires` and `implications`.
struct EventDefinition: Sendable {
    let name: String
    /// The event's path in the spec, `aggregate_types.order.events.was_placed`.
    let path: String
    let schema: JSONSchema
    let handler: [CompiledOp]
    let requires: CompiledPredicate?
    let implications: [CompiledImplication]
    /// The variable slots its evaluation context needs.
    let variableCount: Int

    /// Whether the handler applies completely or not at all, so folding needs no copy to roll back.
    var isAtomic: Bool { handler.count <= 1 && handler.allSatisfy(\.isAtomic) }
}
