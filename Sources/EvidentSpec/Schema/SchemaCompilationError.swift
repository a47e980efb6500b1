/// Why a schema could not be compiled: every problem, each with its path inside the schema.
public struct SchemaCompilationError: Error, Sendable, Hashable, CustomStringConvertible {
    /// One problem in a schema.
    public struct Problem: Sendable, Hashable, CustomStringConvertible {
        /// Path inside the schema, such as `properties.total.type` or `allOf[1].minimum`; empty for the
        /// schema root. Problems inside a referenced remote document start with that document's URI.
        public var path: String
        /// What is wrong, for a person.
        public var message: String

        /// Creates a problem.
        public init(path: String, message: String) {
            self.path = path
            self.message = message
        }

        /// `path: message`, with `(root)` for the schema root.
        public var description: String { "\(path.isEmpty ? "(root)" : path): \(message)" }
    }

    /// Every problem found, in schema order where possible.
    public var problems: [Problem]

    /// Creates an error from its problems.
    public init(problems: [Problem]) {
        self.problems = problems
    }

    /// All problems, one per line.
    public var description: String {
        "Invalid JSON Schema:\n" + problems.map { "  " + $0.description }.joined(separator: "\n")
    }
}
