import Evident

extension SpecCompiler {
    /// Whether a string in value position is a reference: it starts with `$.`, `$` and a letter, or `@`.
    static func isReference(_ text: String) -> Bool {
        var scalars = text.unicodeScalars.makeIterator()
        switch scalars.next() {
        case "@": return true
        case "$":
            guard let second = scalars.next() else { return false }
            return second == "." || second.properties.isAlphabetic || second == "_"
        default: return false
        }
    }

    /// Compiles a reference; reports why when it can never resolve.
    mutating func compileReference(_ text: String, at path: SpecPath, scope: VariableScope) -> Reference? {
        var body = Substring(text)
        let isOptional = body.hasSuffix("?")
        if isOptional { body = body.dropLast() }
        if body.contains("?") {
            report(path, "invalid reference '\(text)': '?' may only end a reference, as in '$.data.note?'")
            return nil
        }
        func segments(_ rest: Substring) -> [PathSegment]? {
            if let segments = PathSegment.parse(rest) { return segments }
            report(path, "invalid reference '\(text)': a path segment is empty (check for '..' or a trailing '.')")
            return nil
        }
        func make(_ root: Reference.Root, _ rest: Substring) -> Reference? {
            guard let parsed = segments(rest) else { return nil }
            return Reference(root: root, segments: parsed, isOptional: isOptional, text: text)
        }
        if body == "@" { return make(.state, "") }
        if body.hasPrefix("@.") { return make(.state, body.dropFirst(2)) }
        if body.hasPrefix("@") {
            report(path, "invalid reference '\(text)': write '@' for the state or '@.field' for a field of it")
            return nil
        }
        if body.hasPrefix("$.") && !readsEvent {
            report(
                path,
                "'\(text)' reads an event, and a projection reads none: use '@' (the row's aggregate), '$id', or a "
                    + "source, include or '$lookup'")
            return nil
        }
        if body.hasPrefix("$.") {
            guard let (root, rest) = eventRoot(text, body.dropFirst(2), at: path) else { return nil }
            return make(root, rest)
        }
        guard body.hasPrefix("$") else {
            report(path, "'\(text)' is not a reference: references start with '$.', '$name' or '@'")
            return nil
        }
        let name = body.dropFirst().prefix { $0 != "." }
        let rest = body.dropFirst(1 + name.count).drop { $0 == "." }
        if body.dropFirst(1 + name.count).hasPrefix(".") && rest.isEmpty {
            report(path, "invalid reference '\(text)': a path segment is empty")
            return nil
        }
        guard let slot = scope.slot(of: String(name)) else {
            report(
                path,
                "unknown variable '$\(name)': variables exist only inside the 'let' that binds them, and the "
                    + "element variable ('$item' or the op's 'as') only inside its element op")
            return nil
        }
        readSlots.insert(slot)
        return make(.variable(slot: slot), rest)
    }

    /// Where a `$.…` reference starts, and the path after that; nil (reported) when it can never resolve.
    private mutating func eventRoot(
        _ text: String, _ body: Substring, at path: SpecPath
    ) -> (Reference.Root, Substring)? {
        let head = body.prefix { $0 != "." }
        let rest = body.dropFirst(head.count).dropFirst()
        let hasRest = body.count > head.count
        if hasRest && rest.isEmpty || head.isEmpty {
            report(path, "invalid reference '\(text)': a path segment is empty")
            return nil
        }
        func bare(_ root: Reference.Root) -> (Reference.Root, Substring)? {
            if hasRest {
                report(path, "invalid reference '\(text)': '$.\(head)' is a single value with no fields")
                return nil
            }
            return (root, "")
        }
        switch head {
        case "data": return (.data, rest)
        case "key": return bare(.key)
        case "id": return bare(.id)
        case "type": return bare(.eventType)
        case "version": return bare(.version)
        case "metadata":
            guard hasRest else { return (.metadata, "") }
            let member = rest.prefix { $0 != "." }
            let memberRest = rest.dropFirst(member.count).dropFirst()
            let memberHasRest = rest.count > member.count
            switch member {
            case "timestamp":
                if memberHasRest {
                    report(path, "invalid reference '\(text)': '$.metadata.timestamp' is a number with no fields")
                    return nil
                }
                return (.timestamp, "")
            case "actor", "target":
                if memberHasRest && memberRest != "id" && memberRest != "type" {
                    report(path, "invalid reference '\(text)': '$.metadata.\(member)' has only 'id' and 'type'")
                    return nil
                }
                return (member == "actor" ? .actor : .target, memberRest)
            case "":
                report(path, "invalid reference '\(text)': a path segment is empty")
                return nil
            default: return (.metadataMember(String(member)), memberRest)
            }
        default:
            report(
                path,
                "unknown reference '\(text)': the event offers $.data, $.metadata, $.key, $.id, $.type and $.version")
            return nil
        }
    }
}
