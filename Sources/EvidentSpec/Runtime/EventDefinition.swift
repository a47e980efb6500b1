/// One event type of an aggregate type, compiled: its schema, handler, `requires` and `implications` (its
/// schedules apart).
///
/// A class, so looking one up per folded event costs one reference count, not a copy of every field.
final class EventDefinition: Sendable {
    let name: String
    /// The event's path in the spec, `aggregate_types.order.events.was_placed`.
    let path: String
    let schema: JSONSchema
    let handler: [CompiledOp]
    let requires: CompiledPredicate?
    let implications: [CompiledImplication]
    /// The `schedule` entries of its `implications`.
    let schedules: [CompiledSchedule]
    /// Its personal values and their subject; nil when its schema marks none.
    let personalData: PersonalDataRule?
    /// The variable slots its evaluation context needs.
    let variableCount: Int

    /// Whether the handler applies completely or not at all, so folding needs no copy to roll back.
    let isAtomic: Bool

    init(
        name: String, path: String, schema: JSONSchema, handler: [CompiledOp], requires: CompiledPredicate?,
        implications: [CompiledImplication], schedules: [CompiledSchedule], personalData: PersonalDataRule?,
        variableCount: Int
    ) {
        self.name = name
        self.path = path
        self.schema = schema
        self.handler = handler
        self.requires = requires
        self.implications = implications
        self.schedules = schedules
        self.personalData = personalData
        self.variableCount = variableCount
        self.isAtomic = handler.count <= 1 && handler.allSatisfy(\.isAtomic)
    }
}
