/// A JSON path into the spec, as problems report it: `aggregate_types.order.events.was_placed.handler[0]`.
struct SpecPath: Sendable, Hashable, CustomStringConvertible {
    let description: String

    static let root = SpecPath(description: "")

    private init(description: String) {
        self.description = description
    }

    /// The path of a member.
    func key(_ name: String) -> SpecPath {
        SpecPath(description: description.isEmpty ? name : "\(description).\(name)")
    }

    /// The path of an array element.
    func index(_ index: Int) -> SpecPath {
        SpecPath(description: "\(description)[\(index)]")
    }

    /// A path written relative to this one, such as a schema problem's path.
    func appending(_ relative: String) -> SpecPath {
        relative.isEmpty ? self : SpecPath(description: description.isEmpty ? relative : "\(description).\(relative)")
    }
}
