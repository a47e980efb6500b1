/// How evaluating an op can end early: skipped (an optional reference is missing) or failed.
enum EvaluationSignal: Error {
    /// An optional reference (`$.data.a?`) is missing: the op that holds it does nothing.
    case skipped
    /// The op cannot be applied; `specPath` is filled in by the innermost op that failed.
    case failed(message: String, specPath: String?)

    static func failure(_ message: String) -> EvaluationSignal {
        .failed(message: message, specPath: nil)
    }
}
