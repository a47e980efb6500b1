/// Why a spec was refused: every problem found in it, each with its path into the spec.
public struct SpecValidationError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Every problem, in the order the spec was checked.
    public var problems: [SpecProblem]

    public init(problems: [SpecProblem]) {
        self.problems = problems
    }

    /// One problem per line, `path: message`.
    public var description: String { problems.map(\.description).joined(separator: "\n") }
}
