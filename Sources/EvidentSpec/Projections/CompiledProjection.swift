public import Evident
import Foundation

/// A projection, checked and compiled: one row per aggregate of ``forEach``, whose data is ``select`` evaluated
/// with the aggregate's state as `@`, its id as `$id`, and its sources and includes bound as variables.
///
/// Evaluation does no I/O: ``row(id:states:)`` answers which states it still needs, and the caller evaluates
/// again with them (see ``ProjectionEvaluation``).
public struct CompiledProjection: Sendable {
    /// The projection's name (`^[a-z][a-z0-9_]*$`).
    public let name: String
    /// The aggregate type with one row per aggregate.
    public let forEach: String
    /// Whether aggregates whose id has a `:tag` suffix (substreams) have rows too.
    public let includeSubstreams: Bool
    /// The definition as written.
    public let definition: JSON
    /// SHA-256 of the definition's canonical serialization.
    public let contentHash: String

    struct Binding: Sendable {
        enum Kind: Sendable {
            /// The row's own aggregate.
            case own
            /// One aggregate of `type` whose id `id` evaluates to; with `array`, a list of ids.
            case reference(type: String, id: CompiledValue, array: Bool)
            /// A fixed aggregate, such as `config:global`.
            case fixed(ProjectionSource)
        }
        var slot: Int
        var kind: Kind
    }

    let idSlot: Int
    let bindings: [Binding]
    let select: CompiledValue
    let variableCount: Int
    let maximumSteps: Int

    /// Whether an aggregate of ``forEach`` with id `id` has a row.
    public func hasRow(forID id: String) -> Bool {
        includeSubstreams || !id.contains(":")
    }

    /// The row of the aggregate `id` of ``forEach``, given the states known so far (nil for an aggregate with no
    /// events). The row's own state is `states[ProjectionSource(type: forEach, id: id)]`.
    public func row(id: String, states: [ProjectionSource: JSON?]) -> ProjectionEvaluation {
        var context = EvaluationContext(
            event: Self.placeholderEvent, variableCount: variableCount, maximumSteps: maximumSteps)
        context.lookups.known = states
        let own = ProjectionSource(type: forEach, id: id)
        guard let state = context.lookups.state(of: own) else {
            return context.lookups.missing.isEmpty
                ? .row(nil, sources: [own]) : .needs(context.lookups.missing)
        }
        context.variables[idSlot] = .string(id)
        do throws(EvaluationSignal) {
            for binding in bindings {
                let value: JSON
                switch binding.kind {
                case .own: value = state
                case .fixed(let source): value = context.lookups.state(of: source) ?? .null
                case .reference(let type, let idValue, let array):
                    let ids = try idValue.evaluate(state, &context)
                    value = try Self.resolve(type: type, ids: ids, array: array, &context)
                }
                context.variables[binding.slot] = value
            }
            let data = try select.evaluate(state, &context)
            guard context.lookups.missing.isEmpty else { return .needs(context.lookups.missing) }
            return .row(data, sources: context.lookups.consulted)
        } catch {
            guard context.lookups.missing.isEmpty else { return .needs(context.lookups.missing) }
            let message =
                switch error {
                case .skipped: "an optional reference is missing"
                case .failed(let message, let path): path.map { "\($0): \(message)" } ?? message
                case .outOfSteps: "the row takes more than \(maximumSteps) steps to compute"
                }
            return .failed(message, sources: context.lookups.consulted)
        }
    }

    /// The state (or, with `array`, the states) of the aggregates of `type` that `ids` names; null for an id
    /// that is not a string or an aggregate without events.
    static func resolve(type: String, ids: JSON, array: Bool, _ context: inout EvaluationContext)
        throws(EvaluationSignal) -> JSON
    {
        guard array else {
            guard case .string(let id) = ids else { return .null }
            return context.lookups.state(of: ProjectionSource(type: type, id: id)) ?? .null
        }
        guard case .array(let elements) = ids else { return .array([]) }
        try context.step(elements.count)
        var states: [JSON] = []
        for case .string(let id) in elements {
            if let state = context.lookups.state(of: ProjectionSource(type: type, id: id)) { states.append(state) }
        }
        return .array(states)
    }

    /// Projections read no event: `$.…` references are refused when they are compiled.
    static let placeholderEvent = SpecEvent(
        type: "", data: [:], aggregateType: "", aggregateID: "", version: 0, timestamp: Date(timeIntervalSince1970: 0))
}

/// What evaluating a row gave.
public enum ProjectionEvaluation: Sendable {
    /// The row's data (nil: the aggregate has no events, so there is no row), and every aggregate it read.
    case row(JSON?, sources: Set<ProjectionSource>)
    /// The row reads states not given yet: evaluate again with them.
    case needs(Set<ProjectionSource>)
    /// The select failed (a template on a value of the wrong kind, a budget exceeded); the row holds the
    /// message.
    case failed(String, sources: Set<ProjectionSource>)
}
