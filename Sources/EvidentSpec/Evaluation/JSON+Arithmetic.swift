import Evident

/// The arithmetic of `$add`, `$subtract`, `$multiply`, `increment` and friends: integers stay integers
/// unless they overflow, anything with a double is a double.
enum ArithmeticOperation: Sendable {
    case add, subtract, multiply

    var name: String {
        switch self {
        case .add: "$add"
        case .subtract: "$subtract"
        case .multiply: "$multiply"
        }
    }

    /// The result, or nil when either operand is not a number.
    func apply(_ lhs: JSON, _ rhs: JSON) -> JSON? {
        if case .int(let a) = lhs, case .int(let b) = rhs {
            let (result, overflow) =
                switch self {
                case .add: a.addingReportingOverflow(b)
                case .subtract: a.subtractingReportingOverflow(b)
                case .multiply: a.multipliedReportingOverflow(by: b)
                }
            if !overflow { return .int(result) }
        }
        guard let a = lhs.number, let b = rhs.number else { return nil }
        return switch self {
        case .add: .double(a + b)
        case .subtract: .double(a - b)
        case .multiply: .double(a * b)
        }
    }
}

extension JSON {
    /// Orders two numbers numerically or two strings lexicographically; nil for anything else.
    static func order(_ lhs: JSON, _ rhs: JSON) -> ComparisonResult? {
        switch (lhs, rhs) {
        case (.int(let a), .int(let b)): a < b ? .ascending : a == b ? .same : .descending
        case (.string(let a), .string(let b)): a < b ? .ascending : a == b ? .same : .descending
        default:
            if let a = lhs.number, let b = rhs.number { a < b ? .ascending : a == b ? .same : .descending } else { nil }
        }
    }

    /// Result of comparing two values.
    enum ComparisonResult { case ascending, same, descending }
}
