import Evident

/// Applies one op to the state, in place.
typealias OpRunner = @Sendable (inout JSON, inout EvaluationContext) throws(EvaluationSignal) -> Void

/// Evaluates a predicate against the state and the evaluation context.
typealias PredicateEvaluator = @Sendable (JSON, EvaluationContext) throws(EvaluationSignal) -> Bool

/// One op of a handler, compiled, with its path in the spec for error reports.
struct CompiledOp: Sendable {
    let path: String
    let run: OpRunner
    /// The op either applies completely or changes nothing (every op but `conditional` and `let`, whose
    /// inner ops may fail after others have applied).
    let isAtomic: Bool
}

extension [CompiledOp] {
    /// Runs the ops in order. An op whose optional reference is missing is skipped; a failure carries the
    /// path of the innermost op that failed.
    func run(on state: inout JSON, context: inout EvaluationContext) throws(EvaluationSignal) {
        for op in self {
            do throws(EvaluationSignal) {
                try op.run(&state, &context)
            } catch {
                switch error {
                case .skipped: continue
                case .failed(let message, let specPath):
                    throw .failed(message: message, specPath: specPath ?? op.path)
                }
            }
        }
    }
}
