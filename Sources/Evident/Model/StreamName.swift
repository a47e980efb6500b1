/// The name of a stream: `category:id`, such as `order:7f3c…` or `account:42`.
///
/// The category (the aggregate type) starts with a letter and holds letters, digits, `_` and `-`; the id
/// is everything after the first `:` and is 1–200 printable characters without whitespace. A category that
/// starts with `$` (`$spec:current`) names a system stream: Evident's own records, which log reads can leave out.
public struct StreamName: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The aggregate type, before the first `:`.
    public let category: String
    /// The aggregate id, after the first `:`.
    public let id: String

    /// Whether this is a system stream (its category starts with `$`).
    public var isSystem: Bool { category.hasPrefix("$") }

    /// The full name, `category:id`.
    public var description: String { "\(category):\(id)" }

    /// Parses `category:id`; throws ``EventStoreError`` with code `invalidStreamName` when malformed.
    public init(_ name: String) throws(EventStoreError) {
        guard let colon = name.firstIndex(of: ":") else {
            throw .invalidStreamName(name, reason: "expected 'type:id', such as 'order:42'")
        }
        try self.init(category: String(name[..<colon]), id: String(name[name.index(after: colon)...]))
    }

    /// Makes a stream name from its parts, checking both.
    public init(category: String, id: String) throws(EventStoreError) {
        let name = "\(category):\(id)"
        let body = category.hasPrefix("$") ? category.dropFirst() : Substring(category)
        guard let first = body.unicodeScalars.first,
            first.isASCIILetter,
            body.unicodeScalars.allSatisfy({ $0.isASCIILetter || $0.isASCIIDigit || $0 == "_" || $0 == "-" }),
            category.utf8.count <= 100
        else {
            throw .invalidStreamName(
                name, reason: "the type must start with a letter and hold only letters, digits, '_' and '-'")
        }
        guard !id.isEmpty, id.utf8.count <= 200,
            id.unicodeScalars.allSatisfy({ !$0.properties.isWhitespace && $0.value >= 0x20 && $0.value != 0x7F })
        else {
            throw .invalidStreamName(name, reason: "the id must be 1 to 200 characters with no whitespace")
        }
        self.category = category
        self.id = id
    }

    /// Makes a stream name from a full name that was checked when it was stored; for stores decoding their
    /// own rows. Splits at the first `:` without checking the parts again.
    public init(trustedName name: String) {
        let colon = name.utf8.firstIndex(of: UInt8(ascii: ":")) ?? name.endIndex
        category = String(name[..<colon])
        id = colon == name.endIndex ? "" : String(name[name.index(after: colon)...])
    }

    public static func < (lhs: StreamName, rhs: StreamName) -> Bool {
        lhs.description < rhs.description
    }
}

extension Unicode.Scalar {
    fileprivate var isASCIILetter: Bool { ("a"..."z").contains(self) || ("A"..."Z").contains(self) }
    fileprivate var isASCIIDigit: Bool { ("0"..."9").contains(self) }
}
