import Evident

/// An aggregate a projection row reads: its own, a source, an include or a `$lookup`.
public struct ProjectionSource: Sendable, Hashable {
    /// The aggregate type.
    public var type: String
    /// The aggregate id, as the row's references produced it (the engine normalizes it).
    public var id: String

    public init(type: String, id: String) {
        self.type = type
        self.id = id
    }
}

/// The states a row's evaluation may read, and the ones it asked for: evaluation never does I/O, so a state it
/// does not have yet is recorded as missing (read as null) and the caller evaluates again once it has it.
struct ProjectionLookups {
    /// The states known: nil for an aggregate without events.
    var known: [ProjectionSource: JSON?] = [:]
    /// Every aggregate the evaluation read, known or not: the row's sources.
    var consulted: Set<ProjectionSource> = []
    /// The aggregates read whose state is not known yet.
    var missing: Set<ProjectionSource> = []

    /// The state of `source`, nil when it has no events or is not known yet.
    mutating func state(of source: ProjectionSource) -> JSON? {
        consulted.insert(source)
        guard let state = known[source] else {
            missing.insert(source)
            return nil
        }
        return state
    }
}
