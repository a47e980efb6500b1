/// One step of a dot path: a member name, or a non-negative integer that indexes an array.
enum PathSegment: Sendable, Hashable, CustomStringConvertible {
    case key(String)
    /// An array index; on an object it is read as the member named by its digits.
    case index(Int)

    init(_ text: Substring) {
        if let index = Int(text), index >= 0, text.allSatisfy(\.isASCII) && text.allSatisfy(\.isNumber) {
            self = .index(index)
        } else {
            self = .key(String(text))
        }
    }

    var description: String {
        switch self {
        case .key(let key): key
        case .index(let index): String(index)
        }
    }

    /// Splits `a.b.0`; nil when a segment is empty. `""` is the root: no segments.
    static func parse(_ path: Substring) -> [PathSegment]? {
        guard !path.isEmpty else { return [] }
        let parts = path.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.allSatisfy({ !$0.isEmpty }) else { return nil }
        return parts.map(PathSegment.init)
    }
}

extension Collection<PathSegment> {
    /// The dot path as written in a spec.
    var dotted: String { map(\.description).joined(separator: ".") }
}
