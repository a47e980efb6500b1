/// How evaluating an op can end early: skipped (an optional reference is missing), failed, or out of steps.
enum EvaluationSignal: Error {
    /// An optional reference (`$.data.a?`) is missing: the op that holds it does nothing.
    case skipped
    /// The op cannot be applied; `specPath` is filled in by the innermost op that failed.
    case failed(message: String, specPath: String?)
    /// The run took more than ``EvaluationContext/maximumSteps`` steps; `specPath` is filled in by the
    /// innermost op running. Nothing but the runner catches it.
    case outOfSteps(specPath: String?)

    static func failure(_ message: String) -> EvaluationSignal {
        .failed(message: message, specPath: nil)
    }

    /// The signal with `path` as its spec path, unless it has one already.
    func at(_ path: String) -> EvaluationSignal {
        switch self {
        case .skipped: self
        case .failed(let message, let specPath): .failed(message: message, specPath: specPath ?? path)
        case .outOfSteps(let specPath): .outOfSteps(specPath: specPath ?? path)
        }
    }
}
