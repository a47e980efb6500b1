public import Evident
import Foundation

extension SpecEvent {
    /// Reads an event written as JSON, `{"type", "data"?, "metadata"?, "timestamp"?}` (the format of
    /// `evident spec fold` and of the example event files), for the aggregate `aggregateType:aggregateID`.
    /// `timestamp` is in Unix seconds and defaults to now; `data` defaults to `{}`.
    public init(json: JSON, aggregateType: String, aggregateID: String, version: Int) throws(SpecError) {
        guard case .string(let type)? = json["type"] else {
            throw SpecError(code: .malformedEvent, message: "an event needs \"type\": the event type, as a string")
        }
        let metadata: EventMetadata
        do {
            metadata =
                try json["metadata"].map { metadata throws(EventStoreError) in try EventMetadata(json: metadata) }
                ?? EventMetadata()
        } catch {
            throw SpecError(code: .malformedEvent, message: error.message)
        }
        var timestamp = Date()
        if let value = json["timestamp"] {
            guard let seconds = value.number else {
                throw SpecError(code: .malformedEvent, message: "\"timestamp\" must be a number of Unix seconds")
            }
            timestamp = Date(timeIntervalSince1970: seconds)
        }
        self.init(
            type: type, data: json["data"] ?? [:], metadata: metadata, aggregateType: aggregateType,
            aggregateID: aggregateID, version: version, timestamp: timestamp)
    }
}
