/// The ops of the handler language, by their JSON names: `{"<op>": {…arguments…}}`.
///
/// This enum is the one list of ops: parsing, dispatch, the arguments each op takes and whether it is atomic
/// all come from it, so adding a case makes the compiler point at every place that must handle it.
///
/// ```swift
/// HandlerOp(rawValue: "update_where")      // .updateWhere
/// HandlerOp.allCases.map(\.rawValue)       // ["set", "merge", …, "let"]
/// ```
public enum HandlerOp: String, CaseIterable, Sendable, CustomStringConvertible {
    case set = "set"
    case merge = "merge"
    case append = "append"
    case remove = "remove"
    case increment = "increment"
    case decrement = "decrement"
    case filter = "filter"
    case map = "map"
    case updateWhere = "update_where"
    case upsert = "upsert"
    case appendUnique = "append_unique"
    case setAt = "set_at"
    case mergeAt = "merge_at"
    case removeAt = "remove_at"
    case incrementAt = "increment_at"
    case conditional = "conditional"
    case `let` = "let"

    /// The op's JSON name, such as `update_where`.
    public var description: String { rawValue }

    /// The arguments the op must have, and those it may have.
    var arguments: (required: [String], optional: [String]) {
        switch self {
        case .set, .append: (["target", "value"], [])
        case .merge: (["target", "value"], ["deep"])
        case .remove: (["target"], ["where"])
        case .increment, .decrement: (["target"], ["by"])
        case .filter: (["target", "where"], [])
        case .map: (["target", "value"], ["as"])
        case .updateWhere: (["target", "where"], ["set", "merge"])
        case .upsert: (["target", "key", "value"], ["merge"])
        case .appendUnique: (["target", "value"], ["key"])
        case .setAt: (["target", "key", "value"], [])
        case .mergeAt: (["target", "key", "value"], ["deep"])
        case .removeAt: (["target", "key"], [])
        case .incrementAt: (["target", "key"], ["by"])
        case .conditional: (["if", "then"], ["else"])
        case .let: (["bind", "in"], [])
        }
    }

    /// Whether the op either applies completely or changes nothing. `conditional` and `let` are not: their
    /// inner ops may fail after others have applied.
    public var isAtomic: Bool {
        switch self {
        case .set, .merge, .append, .remove, .increment, .decrement, .filter, .map, .updateWhere, .upsert,
            .appendUnique, .setAt, .mergeAt, .removeAt, .incrementAt:
            true
        case .conditional, .let:
            false
        }
    }

    /// Whether the op writes at `target[key]` (the `_at` ops) rather than at `target`.
    var isKeyed: Bool {
        switch self {
        case .setAt, .mergeAt, .removeAt, .incrementAt: true
        case .set, .merge, .append, .remove, .increment, .decrement, .filter, .map, .updateWhere, .upsert,
            .appendUnique, .conditional, .let:
            false
        }
    }
}
