public import Evident

/// The state folded from a stream, and the stored events that could not be folded.
public struct FoldResult: Sendable, Hashable {
    /// The state after every event that could be folded.
    public var state: JSON
    /// The events left out, in stream order, each with why.
    public var errors: [FoldError]
    /// The version of the last event folded or left out; 0 for an empty stream.
    public var version: Int

    public init(state: JSON, errors: [FoldError] = [], version: Int = 0) {
        self.state = state
        self.errors = errors
        self.version = version
    }
}
