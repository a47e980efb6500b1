/// Which values of a new event's data are personal, and whose: a ``PrivacyEventStore`` encrypts them with the
/// subject's key before they reach the store, and once the subject is forgotten they read as their
/// ``PersonalField/forgotten`` values.
///
/// ```swift
/// var event = NewEvent(type: "was_registered", data: ["email": "ada@example.com", "plan": "pro"])
/// event.personalData = PersonalData(subject: "customer-42", fields: [PersonalField(path: ["email"])])
/// ```
public struct PersonalData: Sendable, Hashable {
    /// The data subject: the person the values belong to, such as a customer id.
    public var subject: String
    /// The personal values' places in the event's data.
    public var fields: [PersonalField]

    public init(subject: String, fields: [PersonalField]) {
        self.subject = subject
        self.fields = fields
    }
}

/// One personal value of an event's data.
public struct PersonalField: Sendable, Hashable {
    /// The object keys that lead to the value from the root of the event's data, such as `["address", "street"]`.
    public var path: [String]
    /// What the value reads as once its subject is forgotten.
    public var forgotten: JSON

    public init(path: [String], forgotten: JSON = .null) {
        self.path = path
        self.forgotten = forgotten
    }

    /// The path as events show it: `data.address.street`.
    public var displayPath: String { (["data"] + path).joined(separator: ".") }
}
