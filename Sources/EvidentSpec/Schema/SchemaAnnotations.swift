/// The evaluated-location annotations `unevaluatedProperties` and `unevaluatedItems` depend on, for one
/// instance location.
struct SchemaAnnotations {
    /// Property names evaluated by some keyword.
    var properties: Set<String> = []
    /// Every property was evaluated (by `additionalProperties` or `unevaluatedProperties`).
    var allProperties = false
    /// Items `0..<itemPrefix` were evaluated (by `prefixItems`).
    var itemPrefix = 0
    /// Every item was evaluated (by `items` or `unevaluatedItems`).
    var allItems = false
    /// Items matched by `contains`.
    var items: Set<Int> = []

    mutating func merge(_ other: SchemaAnnotations) {
        if !other.properties.isEmpty { properties.formUnion(other.properties) }
        allProperties = allProperties || other.allProperties
        itemPrefix = Swift.max(itemPrefix, other.itemPrefix)
        allItems = allItems || other.allItems
        if !other.items.isEmpty { items.formUnion(other.items) }
    }
}
