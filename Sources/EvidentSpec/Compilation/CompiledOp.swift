import Evident

/// Applies one op to the state, in place.
typealias OpRunner = @Sendable (inout JSON, inout EvaluationContext) throws(EvaluationSignal) -> Void

/// Evaluates a predicate against the state and the evaluation context (which counts its steps).
typealias PredicateEvaluator = @Sendable (JSON, inout EvaluationContext) throws(EvaluationSignal) -> Bool

/// One op of a handler, compiled, with its path in the spec for error reports.
struct CompiledOp: Sendable {
    let path: String
    let run: OpRunner
    /// The op either applies completely or changes nothing (every op but `conditional` and `let`, whose
    /// inner ops may fail after others have applied).
    let isAtomic: Bool
}

extension [CompiledOp] {
    /// Runs the ops in order, each counting a step. An op whose optional reference is missing is skipped; a
    /// failure, or running out of steps, carries the path of the innermost op.
    func run(on state: inout JSON, context: inout EvaluationContext) throws(EvaluationSignal) {
        for op in self {
            do throws(EvaluationSignal) {
                try context.step()
                try op.run(&state, &context)
            } catch {
                if case .skipped = error { continue }
                throw error.at(op.path)
            }
        }
    }
}
