import Foundation

/// A personal value of a ``DomainEvent``: a ``PrivacyEventStore`` encrypts it with the key of the event's
/// ``DataSubject``, and once that subject is forgotten it reads as nil, so the property is an optional.
///
/// ```swift
/// struct CustomerRegistered: DomainEvent {
///     static let eventType = "customer_registered"
///     @DataSubject var customerID: String
///     @Personal var email: String?
///     var plan: String
/// }
/// ```
@propertyWrapper
public struct Personal<Value: Codable & Sendable & ExpressibleByNilLiteral>: Codable, Sendable {
    public var wrappedValue: Value

    public init(wrappedValue: Value) {
        self.wrappedValue = wrappedValue
    }

    public init(from decoder: any Decoder) throws {
        wrappedValue = try Value(from: decoder)
    }

    public func encode(to encoder: any Encoder) throws {
        try PersonalDataCollector.of(encoder)?.addField(at: encoder.codingPath)
        try wrappedValue.encode(to: encoder)
    }
}

/// The data subject of a ``DomainEvent`` with ``Personal`` values: the id of the person they belong to.
@propertyWrapper
public struct DataSubject: Codable, Sendable, Hashable {
    public var wrappedValue: String

    public init(wrappedValue: String) {
        self.wrappedValue = wrappedValue
    }

    public init(from decoder: any Decoder) throws {
        wrappedValue = try String(from: decoder)
    }

    public func encode(to encoder: any Encoder) throws {
        PersonalDataCollector.of(encoder)?.subject = wrappedValue
        try wrappedValue.encode(to: encoder)
    }
}

/// What encoding an event found of its personal values, handed to the encoder in its `userInfo`. Unchecked
/// `Sendable` because `userInfo` asks for it: one collector serves one `encode` call, on one thread.
final class PersonalDataCollector: @unchecked Sendable {
    static let key = CodingUserInfoKey(rawValue: "evident.personalData")!

    var subject: String?
    var fields: [PersonalField] = []

    static func of(_ encoder: any Encoder) -> PersonalDataCollector? {
        encoder.userInfo[key] as? PersonalDataCollector
    }

    func addField(at codingPath: [any CodingKey]) throws {
        guard codingPath.allSatisfy({ $0.intValue == nil }) else {
            throw EncodingError.invalidValue(
                JSON.null,
                EncodingError.Context(
                    codingPath: codingPath,
                    debugDescription:
                        "@Personal inside an array cannot be encrypted on its own; mark the array personal"))
        }
        fields.append(PersonalField(path: codingPath.map(\.stringValue)))
    }

    /// The personal data found; nil when there is none. Fails when there are personal values but no subject.
    func personalData() throws -> PersonalData? {
        guard !fields.isEmpty else { return nil }
        guard let subject, !subject.isEmpty else {
            throw EncodingError.invalidValue(
                subject as Any,
                EncodingError.Context(
                    codingPath: [], debugDescription: "an event with @Personal values needs a non-empty @DataSubject"))
        }
        return PersonalData(subject: subject, fields: fields)
    }
}
