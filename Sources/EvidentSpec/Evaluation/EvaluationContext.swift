import Evident

/// What ops read besides the state: the event being folded and the variables bound by `let` and element ops.
///
/// Variables live in numbered slots assigned when the spec is compiled, so reading `$item` is an array index.
/// Every op that binds a slot clears it when done, so one context can serve a whole fold.
struct EvaluationContext {
    var event: SpecEvent
    var variables: [JSON]

    init(event: SpecEvent, variableCount: Int) {
        self.event = event
        self.variables = variableCount == 0 ? [] : Array(repeating: .null, count: variableCount)
    }
}
