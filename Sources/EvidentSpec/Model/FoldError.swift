/// A stored event whose effect was left out of a fold (its handler now fails, or its type is gone).
public struct FoldError: Sendable, Hashable, CustomStringConvertible {
    /// The event's version in its stream.
    public var version: Int
    public var error: SpecError

    public init(version: Int, error: SpecError) {
        self.version = version
        self.error = error
    }

    public var description: String { "version \(version): \(error)" }
}
