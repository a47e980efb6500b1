import Foundation

/// Turns `Codable` values into ``JSON`` (through Foundation's `JSONEncoder`) and back (directly, with
/// ``JSONValueDecoder``, which reads what `JSONEncoder` writes).
enum JSONCoding {
    static func encode(_ value: some Encodable) throws -> JSON {
        let data = try JSONEncoder().encode(value)
        return try data.withUnsafeBytes { try JSON(parsing: $0) }
    }

    /// The value's JSON and the personal data its ``Personal`` and ``DataSubject`` properties name.
    static func encodeWithPersonalData(_ value: some Encodable) throws -> (JSON, PersonalData?) {
        let collector = PersonalDataCollector()
        let encoder = JSONEncoder()
        encoder.userInfo[PersonalDataCollector.key] = collector
        let data = try encoder.encode(value)
        return (try data.withUnsafeBytes { try JSON(parsing: $0) }, try collector.personalData())
    }

    static func decode<T: Decodable>(_ type: T.Type, from json: JSON) throws -> T {
        try JSONValueDecoder.decode(type, from: json)
    }
}
