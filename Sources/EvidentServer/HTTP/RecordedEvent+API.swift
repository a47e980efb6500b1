import Foundation
import Evident

extension RecordedEvent {
    /// The event as the HTTP API shows it: `id`, `key`, `type`, `data`, `metadata` (with `timestamp` in Unix
    /// seconds), `version`, `position`, and `hash`, its link in the log's hash chain (hex).
    var apiJSON: JSON {
        var metadata = self.metadata.json.object ?? [:]
        metadata["timestamp"] = .int(recordedAt.unixSeconds)
        var object: [String: JSON] = [
            "id": .string(id.uuidString.lowercased()),
            "key": .string(stream.description),
            "type": .string(type),
            "data": data,
            "metadata": .object(metadata),
            "version": .int(version),
            "position": .int(Int(position)),
        ]
        if let hash { object["hash"] = .string(LogChain.hex(hash)) }
        return .object(object)
    }
}
