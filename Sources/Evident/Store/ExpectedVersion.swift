/// What the writer believes about a stream's length; an append whose belief is wrong fails and writes nothing.
public enum ExpectedVersion: Sendable, Hashable, CustomStringConvertible {
    /// No check.
    case any
    /// The stream must not exist (have no events).
    case noStream
    /// The stream must have at least one event.
    case streamExists
    /// The stream must have exactly this many events; `exact(0)` is the same as `noStream`.
    case exact(Int)

    /// Whether a stream of `length` events satisfies this expectation.
    public func isSatisfied(byLength length: Int) -> Bool {
        switch self {
        case .any: true
        case .noStream: length == 0
        case .streamExists: length > 0
        case .exact(let expected): length == expected
        }
    }

    public var description: String {
        switch self {
        case .any: "any"
        case .noStream: "no stream"
        case .streamExists: "stream exists"
        case .exact(let length): "length \(length)"
        }
    }
}
