public import Evident

/// A condition on a field of a projection row's data, as `?where.total.gt=100` writes it.
public struct ProjectionFilter: Sendable, Hashable {
    public enum Comparison: String, Sendable, CaseIterable {
        case equal = "eq"
        case notEqual = "ne"
        case greater = "gt"
        case greaterOrEqual = "gte"
        case less = "lt"
        case lessOrEqual = "lte"
    }

    /// The dot-separated path of the field in the row's data, such as `customer.name`.
    public var field: String
    public var comparison: Comparison
    /// The value as written: it matches a field equal to it read as JSON (`100`, `true`, `null`) or as text.
    public let value: String
    /// ``value`` read as JSON, or as a string when it is not JSON.
    private let parsed: JSON

    public init(field: String, comparison: Comparison, value: String) {
        self.field = field
        self.comparison = comparison
        self.value = value
        parsed = (try? JSON(parsing: value)) ?? .string(value)
    }

    /// The filter of a query parameter `where.FIELD` or `where.FIELD.OP`; nil when `name` does not start with
    /// `where.`. Throws ``EngineError/Code/malformedRequest`` when the field is empty.
    public init?(parameter name: String, value: String) throws(EngineError) {
        guard name.hasPrefix("where.") else { return nil }
        var path = name.dropFirst("where.".count).split(separator: ".", omittingEmptySubsequences: false).map(
            String.init)
        var comparison = Comparison.equal
        if path.count > 1, let last = path.last, let op = Comparison(rawValue: last) {
            comparison = op
            path.removeLast()
        }
        guard !path.isEmpty, path.allSatisfy({ !$0.isEmpty }) else {
            throw EngineError(
                .malformedRequest,
                "A filter is where.FIELD=VALUE or where.FIELD.OP=VALUE with OP one of "
                    + Comparison.allCases.map(\.rawValue).joined(separator: ", ") + " (got '\(name)').")
        }
        self.init(field: path.joined(separator: "."), comparison: comparison, value: value)
    }

    /// Whether `data` passes: a missing field passes only `ne`; `gt`, `gte`, `lt` and `lte` compare numbers with
    /// numbers and strings with strings (byte order), and nothing else.
    public func matches(_ data: JSON) -> Bool {
        var field: JSON? = data
        for key in self.field.split(separator: ".") {
            switch field {
            case .object(let members)?: field = members[String(key)]
            case .array(let elements)?: field = Int(key).flatMap { elements.indices.contains($0) ? elements[$0] : nil }
            default: field = nil
            }
        }
        guard let field else { return comparison == .notEqual }
        let equal = field == parsed || field == .string(value) || Self.order(field, parsed) == 0
        switch comparison {
        case .equal: return equal
        case .notEqual: return !equal
        case .greater: return Self.order(field, parsed).map { $0 > 0 } ?? false
        case .greaterOrEqual: return Self.order(field, parsed).map { $0 >= 0 } ?? false
        case .less: return Self.order(field, parsed).map { $0 < 0 } ?? false
        case .lessOrEqual: return Self.order(field, parsed).map { $0 <= 0 } ?? false
        }
    }

    /// -1, 0 or 1 for two numbers or two strings; nil otherwise.
    private static func order(_ a: JSON, _ b: JSON) -> Int? {
        if let x = a.number, let y = b.number { return x < y ? -1 : x > y ? 1 : 0 }
        if case .string(let x) = a, case .string(let y) = b {
            return x.precedesInListing(y) ? -1 : y.precedesInListing(x) ? 1 : 0
        }
        return nil
    }
}
