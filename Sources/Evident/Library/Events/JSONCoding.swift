import Foundation

/// Turns `Codable` values into ``JSON`` and back, through Foundation's JSON coders.
enum JSONCoding {
    static func encode(_ value: some Encodable) throws -> JSON {
        let data = try JSONEncoder().encode(value)
        return try data.withUnsafeBytes { try JSON(parsing: $0) }
    }

    static func decode<T: Decodable>(_ type: T.Type, from json: JSON) throws -> T {
        try JSONDecoder().decode(type, from: Data(json.serialized()))
    }
}
