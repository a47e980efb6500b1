public import Evident

// TEMPORARY interface placeholder: the validator is being written on another branch and replaces this file.

/// A compiled JSON Schema (draft 2020-12).
public struct JSONSchema: Sendable {
    /// Compiles a schema; throws ``SchemaCompilationError`` listing every problem in the schema.
    public init(compiling schema: JSON) throws(SchemaCompilationError) {}

    /// Validates an instance; an empty array means valid.
    public func validate(_ instance: JSON) -> [SchemaViolation] { [] }
}

/// One way an instance fails a schema.
public struct SchemaViolation: Sendable, Hashable, CustomStringConvertible {
    /// Where in the instance, rooted at `data`: `data.items[2].qty`.
    public var path: String
    /// The keyword that failed, such as `required` or `type`.
    public var keyword: String
    /// What is wrong, for a person.
    public var message: String

    public init(path: String, keyword: String, message: String) {
        self.path = path
        self.keyword = keyword
        self.message = message
    }

    public var description: String { "\(path): \(message)" }
}

/// Why a schema could not be compiled: every problem, each with its path inside the schema.
public struct SchemaCompilationError: Error, Sendable, Hashable {
    public struct Problem: Sendable, Hashable {
        /// Path inside the schema, such as `properties.total.type`.
        public var path: String
        public var message: String

        public init(path: String, message: String) {
            self.path = path
            self.message = message
        }
    }

    public var problems: [Problem]

    public init(problems: [Problem]) {
        self.problems = problems
    }
}
