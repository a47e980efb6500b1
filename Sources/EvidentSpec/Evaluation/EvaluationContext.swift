import Evident

/// What ops read besides the state: the event being folded and the variables bound by `let` and element ops;
/// and the steps the run may still take.
///
/// Variables live in numbered slots assigned when the spec is compiled, so reading `$item` is an array index.
/// Every op that binds a slot clears it when done, so one context can serve a whole fold.
struct EvaluationContext {
    /// The bytes of a string built or measured that count as one step.
    static let bytesPerStep = 64

    var event: SpecEvent
    var variables: [JSON]
    /// The most steps one run may take (``SpecLimits/maximumHandlerSteps``).
    let maximumSteps: Int
    /// The steps taken since the run started.
    private var steps = 0
    /// The aggregate states a projection row reads (``CompiledProjection``); empty for handlers.
    var lookups = ProjectionLookups()

    init(event: SpecEvent, variableCount: Int, maximumSteps: Int) {
        self.event = event
        self.variables = variableCount == 0 ? [] : Array(repeating: .null, count: variableCount)
        self.maximumSteps = maximumSteps
    }

    /// Counts `count` steps of work: an op, or the elements and members one visits, copies or builds. Throws
    /// ``EvaluationSignal/outOfSteps(specPath:)`` once the run has taken more than ``maximumSteps``.
    @inline(__always)
    mutating func step(_ count: Int = 1) throws(EvaluationSignal) {
        steps &+= count
        if steps > maximumSteps { throw .outOfSteps(specPath: nil) }
    }

    /// Counts the steps of a string of `byteCount` bytes built or measured: one per ``bytesPerStep`` bytes.
    mutating func step(bytes byteCount: Int) throws(EvaluationSignal) {
        try step(byteCount / Self.bytesPerStep)
    }

    /// Starts a new run, with every step available again (the next event of a fold).
    mutating func startRun() {
        steps = 0
    }
}
