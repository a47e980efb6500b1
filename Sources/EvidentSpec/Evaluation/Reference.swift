import Evident
import Foundation

/// A compiled reference (`$.data.a`, `@.items.0`, `$item.id`, `$.metadata.actor.id`, …): where to start, then
/// which path to walk. Resolving it never re-parses the reference text.
struct Reference: Sendable {
    enum Root: Sendable {
        case data
        case state
        case variable(slot: Int)
        case eventType
        case key
        case id
        case version
        case timestamp
        case actor
        case target
        /// `$.metadata` as a whole: the metadata object plus `timestamp`.
        case metadata
        /// `$.metadata.<name>` for any other name: the free metadata, `causation_id`, `correlation_id`.
        case metadataMember(String)
    }

    let root: Root
    let segments: [PathSegment]
    /// Ends in `?`: when missing, the op that holds it is skipped instead of failing.
    let isOptional: Bool
    /// The reference as written, for messages.
    let text: String

    /// The value, or nil when some step of the path is missing.
    func lookup(state: JSON, context: EvaluationContext) -> JSON? {
        guard var value = rootValue(state: state, context: context) else { return nil }
        for segment in segments {
            guard let next = value.member(segment) else { return nil }
            value = next
        }
        return value
    }

    /// The value; a missing optional reference skips the op, a missing required one fails it.
    func resolve(state: JSON, context: EvaluationContext) throws(EvaluationSignal) -> JSON {
        if let value = lookup(state: state, context: context) { return value }
        if isOptional { throw .skipped }
        throw .failure("'\(text)' is missing (write '\(text)?' to skip the op when it is)")
    }

    private func rootValue(state: JSON, context: EvaluationContext) -> JSON? {
        // Each case reads `context.event` in place: binding the event to a local would copy all its fields.
        switch root {
        case .data: return context.event.data
        case .state: return state
        case .variable(let slot): return context.variables[slot]
        case .eventType: return .string(context.event.type)
        case .key: return .string("\(context.event.aggregateType):\(context.event.aggregateID)")
        case .id: return .string(context.event.aggregateID)
        case .version: return .int(context.event.version)
        case .timestamp: return .int(context.event.unixSeconds)
        case .actor: return context.event.metadata.actor.map { ["type": .string($0.type), "id": .string($0.id)] }
        case .target: return context.event.metadata.target.map { ["type": .string($0.type), "id": .string($0.id)] }
        case .metadata:
            var object = context.event.metadata.json.object ?? [:]
            object["timestamp"] = .int(context.event.unixSeconds)
            return .object(object)
        case .metadataMember(let name): return context.event.metadata.json[name]
        }
    }
}

extension SpecEvent {
    /// The recorded time in whole Unix seconds, rounded down.
    var unixSeconds: Int { timestamp.unixSeconds }
}

extension JSON {
    /// The member or element named by one path step, if present.
    func member(_ segment: PathSegment) -> JSON? {
        switch (self, segment) {
        case (.object(let members), .key(let key)): members[key]
        case (.object(let members), .index(let index)): members[String(index)]
        case (.array(let elements), .index(let index)): index < elements.count ? elements[index] : nil
        default: nil
        }
    }
}
