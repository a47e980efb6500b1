public import Evident
import EvidentSpec

extension SpecEngine {
    /// Up to `limit` aggregates of `type` whose id comes after `after` (from the first when nil), in id order (the
    /// byte order of the ids' UTF-8), as ``readStore`` holds them. With `target`, only those that hold at least one
    /// event whose `metadata.target` is `target`. Only aggregates with events are listed: a singleton that has none
    /// yet is not (``state(of:_:at:cached:)`` still answers for it).
    ///
    /// Fails with `SpecError` (`unknownAggregateType`) when the spec declares no such type, and with
    /// `EventStoreError` (`unsupported`) when ``readStore`` cannot list its streams.
    public func aggregates(of type: String, after: String?, limit: Int, target: EntityReference? = nil)
        async throws -> [StreamSummary]
    {
        let current = try await specs.current()
        let compiled = try current.spec.requireAggregateType(type)
        return try await readStore.streamListing().streams(
            inCategory: compiled.name, after: after, limit: limit, target: target)
    }

    /// A target as a request names it, `TYPE:ID`, its id normalized as writes normalize `metadata.target`'s. Fails
    /// with ``EngineError/Code/malformedRequest`` when it is not of that form.
    public func targetReference(_ text: String) async throws -> EntityReference {
        guard let colon = text.firstIndex(of: ":"), colon != text.startIndex, text.index(after: colon) != text.endIndex
        else {
            throw EngineError(.malformedRequest, "A target must be TYPE:ID, such as customer:42 (got '\(text)').")
        }
        let type = String(text[..<colon])
        let id = String(text[text.index(after: colon)...])
        guard (try? StreamName(category: type, id: id)) != nil, !type.hasPrefix("$") else {
            throw EngineError(.malformedRequest, "A target must be TYPE:ID, such as customer:42 (got '\(text)').")
        }
        let current = try await specs.current()
        return EntityReference(type: type, id: try current.spec.normalizedIdentifier(id))
    }
}
