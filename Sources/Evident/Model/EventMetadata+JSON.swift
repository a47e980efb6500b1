import Foundation

extension EventMetadata {
    /// The metadata as a JSON object: `actor`, `target`, `causation_id`, `correlation_id`, then the free keys.
    public var json: JSON {
        var object = extra
        if let actor { object["actor"] = ["type": .string(actor.type), "id": .string(actor.id)] }
        if let target { object["target"] = ["type": .string(target.type), "id": .string(target.id)] }
        if let causationId { object["causation_id"] = .string(causationId) }
        if let correlationId { object["correlation_id"] = .string(correlationId) }
        return .object(object)
    }

    /// Reads metadata from its JSON object form; the keys it does not know go to ``extra``.
    public init(json: JSON) throws(EventStoreError) {
        guard case .object(var object) = json else {
            throw EventStoreError(code: .invalidArgument, message: "Event metadata must be a JSON object.")
        }
        func reference(_ key: String) throws(EventStoreError) -> EntityReference? {
            guard let value = object.removeValue(forKey: key), !value.isNull else { return nil }
            guard let type = value["type"]?.string, let id = value["id"]?.string else {
                throw EventStoreError(
                    code: .invalidArgument, message: "Metadata '\(key)' must be an object with string 'type' and 'id'.")
            }
            return EntityReference(type: type, id: id)
        }
        func identifier(_ key: String) throws(EventStoreError) -> String? {
            guard let value = object.removeValue(forKey: key), !value.isNull else { return nil }
            guard let text = value.string, !text.isEmpty, text.count <= Self.maximumIdentifierLength else {
                throw EventStoreError(
                    code: .invalidArgument,
                    message: "Metadata '\(key)' must be a string of 1 to \(Self.maximumIdentifierLength) characters.")
            }
            return text
        }
        self.init(
            actor: try reference("actor"), target: try reference("target"), causationId: try identifier("causation_id"),
            correlationId: try identifier("correlation_id"), extra: object)
    }
}

extension RecordedEvent {
    /// The event as a JSON object: `id`, `stream`, `type`, `version`, `position`, `recorded_at` (ISO 8601, UTC,
    /// milliseconds), `data`, `metadata`, and `hash` (hex) when the store keeps one.
    public var json: JSON {
        var object: [String: JSON] = [
            "id": .string(id.uuidString.lowercased()),
            "stream": .string(stream.description),
            "type": .string(type),
            "version": .int(version),
            "position": .int(Int(position)),
            "recorded_at": .string(recordedAt.iso8601Milliseconds),
            "data": data,
            "metadata": metadata.json,
        ]
        if let hash { object["hash"] = .string(LogChain.hex(hash)) }
        return .object(object)
    }
}
