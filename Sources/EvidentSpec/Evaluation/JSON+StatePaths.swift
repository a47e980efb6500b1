import Evident

extension JSON {
    /// Runs `body` on the value at `path` in place: it sees nil when the value is missing, and setting nil
    /// deletes it. With `creating`, missing (or null) intermediate values become objects; without it, a
    /// missing intermediate value ends the walk without calling `body`.
    ///
    /// Every container on the way is moved out of its parent while it is changed, so buffers stay uniquely
    /// referenced and a nested write copies nothing.
    mutating func modify(
        at path: [PathSegment], creating: Bool, _ body: (inout JSON?) throws(EvaluationSignal) -> Void
    ) throws(EvaluationSignal) {
        var slot: JSON? = self
        self = .null
        defer { self = slot ?? .object([:]) }
        try JSON.modify(&slot, path: path, depth: 0, creating: creating, body)
    }

    private static func modify(
        _ slot: inout JSON?, path: [PathSegment], depth: Int, creating: Bool,
        _ body: (inout JSON?) throws(EvaluationSignal) -> Void
    ) throws(EvaluationSignal) {
        guard depth < path.count else { return try body(&slot) }
        let segment = path[depth]
        // Each container is bound with `if case`, then cleared from `slot`, so the bound copy is the only
        // reference and is changed in place (a `switch` would keep its subject alive to the end).
        if case .object(var members)? = slot {
            slot = nil
            defer { slot = .object(members) }
            return try modify(&members[segment.description], path: path, depth: depth + 1, creating: creating, body)
        }
        if case .array(var elements)? = slot {
            guard case .index(let index) = segment else {
                throw .failure("'\(path[..<depth].dotted)' is an array: '\(segment)' is not an index")
            }
            guard index < elements.count else {
                throw .failure(
                    "index \(index) is past the end of '\(path[..<depth].dotted)' (\(elements.count) elements)")
            }
            slot = nil
            var element: JSON? = elements[index]
            elements[index] = .null
            defer {
                if let element { elements[index] = element } else { elements.remove(at: index) }
                slot = .array(elements)
            }
            return try modify(&element, path: path, depth: depth + 1, creating: creating, body)
        }
        guard let value = slot, !value.isNull else {
            guard creating else { return }
            var members: [String: JSON] = [:]
            defer { slot = .object(members) }
            return try modify(&members[segment.description], path: path, depth: depth + 1, creating: creating, body)
        }
        let place = depth == 0 ? "the state" : "'\(path[..<depth].dotted)'"
        throw .failure("cannot reach '\(path.dotted)': \(place) is \(value.kindPhrase), not an object or array")
    }

    /// The kind of value with an article, for messages: `a string`, `an object`.
    var kindPhrase: String {
        switch self {
        case .null: "null"
        case .bool: "a boolean"
        case .int, .double: "a number"
        case .string: "a string"
        case .array: "an array"
        case .object: "an object"
        }
    }
}
