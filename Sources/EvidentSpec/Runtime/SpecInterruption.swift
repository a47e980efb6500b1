import Evident

/// Why spec work stopped before it could finish, for the limits measured in time.
enum SpecInterruption: Error, Sendable {
    /// Pattern matching for one event ran past ``SpecLimits/patternMatchBudget``: the pattern being matched,
    /// and where in the data.
    case patternBudgetSpent(pattern: String, at: String)
    /// ``SpecLimits/deadline`` has passed.
    case deadlinePassed
    /// The task doing the work was cancelled.
    case cancelled

    /// Why work must stop now, if it must: the task is cancelled or `deadline` (by default
    /// ``SpecLimits/deadline``) has passed.
    static func current(deadline: ContinuousClock.Instant? = SpecLimits.deadline) -> SpecInterruption? {
        if Task.isCancelled { return .cancelled }
        if let deadline, ContinuousClock.now >= deadline { return .deadlinePassed }
        return nil
    }

    /// Throws ``SpecError/Code/deadlineExceeded`` when work must stop now.
    static func check() throws(SpecError) {
        if let interruption = current() { throw SpecError(interruption, limits: .standard) }
    }

    /// What happened, for a person; names the limit, never event data.
    func message(limits: SpecLimits) -> String {
        switch self {
        case .patternBudgetSpent(let pattern, let path):
            "matching patterns against the data took longer than the budget of "
                + "\(limits.patternMatchBudget.millisecondsDescription) (patternMatchBudget), at \(path) with the "
                + "pattern \(SchemaNode.excerpt(.string(pattern))); use a pattern that cannot backtrack "
                + "(`evident spec validate` warns about those that can), or a shorter value"
        case .deadlinePassed:
            "the request's deadline passed before the spec's work on it was done"
        case .cancelled:
            "the spec's work was cancelled before it was done (the request was abandoned, or the server is stopping)"
        }
    }
}

extension SpecError {
    /// The refusal for work stopped by a time limit; `specPath` names the part of the spec concerned.
    init(_ interruption: SpecInterruption, limits: SpecLimits, specPath: String? = nil) {
        let code: Code =
            switch interruption {
            case .patternBudgetSpent: .patternTooExpensive
            case .deadlinePassed, .cancelled: .deadlineExceeded
            }
        self.init(code: code, message: interruption.message(limits: limits), specPath: specPath)
    }
}

extension Duration {
    /// `10 ms`, `2.5 ms`: a budget as a person would write it.
    var millisecondsDescription: String {
        let (seconds, attoseconds) = components
        let value = Double(seconds) * 1_000 + Double(attoseconds) / 1e15
        return value == value.rounded() ? "\(Int(value)) ms" : "\(value) ms"
    }
}
