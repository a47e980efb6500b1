/// The variables visible at one point of a handler while it is compiled, each with its slot.
///
/// Binding a name takes the next free slot, so an inner binding shadows an outer one without disturbing it.
struct VariableScope: Sendable {
    private var slots: [String: Int] = [:]
    /// The number of slots in use at this point.
    private(set) var size = 0

    /// The slot of `name` (written without `$`), if it is bound here.
    func slot(of name: String) -> Int? { slots[name] }

    /// The scope with `name` (without `$`) bound to a new slot, and that slot.
    func binding(_ name: String) -> (scope: VariableScope, slot: Int) {
        var scope = self
        scope.slots[name] = size
        scope.size += 1
        return (scope, size)
    }
}
