/// One way an instance fails a schema.
public struct SchemaViolation: Sendable, Hashable, CustomStringConvertible {
    /// Where in the instance, rooted at `data`: `data.items[2].qty`. Object keys are joined with `.`, array
    /// indexes are written `[n]`; a key that is not made of letters, digits, `_`, `-` or `$` is written
    /// `["the key"]`.
    public var path: String
    /// The keyword that failed, such as `required` or `type`.
    public var keyword: String
    /// What is wrong, for a person.
    public var message: String

    /// Creates a violation.
    public init(path: String, keyword: String, message: String) {
        self.path = path
        self.keyword = keyword
        self.message = message
    }

    /// `path: message`, such as `data.total: expected number, got string`.
    public var description: String { "\(path): \(message)" }
}
