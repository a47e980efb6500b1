/// One mistake in a spec: where it is (a JSON path into the spec) and what to do about it.
public struct SpecProblem: Sendable, Hashable, CustomStringConvertible {
    /// The JSON path into the spec, such as `aggregate_types.order.events.was_placed.handler[0].set.target`;
    /// empty for the document itself.
    public var path: String
    /// What is wrong, for a person.
    public var message: String

    public init(path: String, message: String) {
        self.path = path
        self.message = message
    }

    /// `path: message`, or only the message for the document itself.
    public var description: String { path.isEmpty ? message : "\(path): \(message)" }
}
