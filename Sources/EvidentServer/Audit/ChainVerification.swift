import Evident
import Foundation

/// A run of `GET /_verify`, recorded as a `chain_verified` event in ``stream`` so that anyone can see when the
/// chain was last verified and what was found.
enum ChainVerification {
    /// The system stream of verifications, and their event type.
    static let stream = try! StreamName("$audit:verifications")
    static let eventType = "chain_verified"

    /// The event's data for a walk from position `from` that found `result`, run with the key `keyID` if any.
    static func data(from: Int64, result: Result<LogVerifier.Verified, LogVerifier.Tampering>, keyID: String?) -> JSON {
        var data: [String: JSON] = ["from": .int(Int(from)), "key": keyID.map(JSON.string) ?? .null]
        switch result {
        case .success(let verified):
            data["ok"] = true
            data["through"] = .int(Int(verified.head))
            data["hash"] = .string(LogChain.hex(verified.hash))
            data["events"] = .int(verified.events)
        case .failure(let tampering):
            data["ok"] = false
            data["through"] = .int(Int(tampering.position))
            data["hash"] = .null
            data["events"] = .int(Int(max(0, tampering.position - from)))
            data["tampered_at"] = .int(Int(tampering.position))
            data["reason"] = .string(tampering.reason)
        }
        return .object(data)
    }

    /// Appends the record of a run to `store`; returns its event.
    static func record(_ data: JSON, in store: any EventStore) async throws -> Int64 {
        try await store.append([NewEvent(type: eventType, data: data)], to: stream).firstPosition
    }

    /// The latest `limit` verifications in `store`, newest first, each with its position and when it was
    /// recorded.
    static func latest(_ limit: Int, in store: any EventStore) async throws -> [JSON] {
        try await store.readStream(stream, from: .max, direction: .backward, limit: limit).map { event in
            var object = event.data.object ?? [:]
            object["position"] = .int(Int(event.position))
            object["verified_at"] = .string(event.recordedAt.iso8601Milliseconds)
            return .object(object)
        }
    }
}
