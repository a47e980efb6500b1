/// Bounds on the work one event may cause. Every limit has a documented default.
///
/// Each limit is checked while the work happens, so going past it costs about the limit and no more, and each
/// refusal is a ``SpecError`` whose code and message name the limit. A compiled spec runs with the limits it
/// was compiled with:
///
/// ```swift
/// var limits = SpecLimits()
/// limits.maximumStateBytes = 256 << 10
/// let spec = try CompiledSpec(document, limits: limits)
/// let state = try SpecLimits.$deadline.withValue(.now + .seconds(10)) { try spec.apply(event, to: current) }
/// ```
public struct SpecLimits: Sendable, Hashable {
    /// The longest all pattern matching for one event (its schema validation) may take; past it the event is
    /// refused with code ``SpecError/Code/patternTooExpensive``. Default 10 ms.
    ///
    /// It is CPU time of the thread validating, so a busy machine that pauses the thread does not make an
    /// ordinary event fail, counted from early in the validation's pattern matching (`pattern` and
    /// `patternProperties`). Matching looks at the clocks after every few matches and, during a long match,
    /// every few progress reports (ICU reports about every 0.3 ms), so a pattern that backtracks badly costs
    /// about this much per event, give or take a couple of milliseconds, and an event with a few short matches
    /// reads no clock at all. `evident spec validate` warns about patterns that backtrack badly.
    public var patternMatchBudget: Duration = .milliseconds(10)

    /// The largest state, as serialized JSON bytes, an aggregate may have after a new event's handler; past
    /// it: ``SpecError/Code/stateTooLarge``. Default 1 MiB (1 << 20).
    ///
    /// Checked by ``CompiledAggregateType/apply(_:to:)``, not when folding stored events: a reader checks the
    /// state a fold ends with itself, with `state.serializedSize(limit:)`.
    public var maximumStateBytes: Int = 1 << 20

    /// The most implied events one written event may produce, in all, transitively; past it:
    /// ``SpecError/Code/tooManyImpliedEvents``. Default 1,000.
    ///
    /// Checked while the implied events are planned, so a wide fan-out stops after this many.
    public var maximumImpliedEvents: Int = 1_000

    /// The most steps one handler run may take; past it: ``SpecError/Code/handlerTooExpensive``. Default
    /// 100,000.
    ///
    /// Each op is a step, and so is each array element or object member an op, predicate or value function
    /// visits, copies or builds (`map` over 100 elements is 101 steps; `$concat` of two arrays of 100 elements
    /// is 200); a string built or measured counts one step per 64 bytes. An event's `requires` counts with its
    /// handler, and an event's `implications` get a budget of their own. It applies to new events and to
    /// stored ones alike: a stored event past it is left out of the fold (a ``FoldError``). The default is
    /// far above what ordinary handlers take (tens of steps, or one per element of the arrays they work on),
    /// and stops a handler that doubles an array within about 17 doublings.
    public var maximumHandlerSteps: Int = 100_000

    /// Limits with every default.
    public init() {}

    /// Limits with every default.
    public static let standard = SpecLimits()

    /// The instant after which spec work stops with code ``SpecError/Code/deadlineExceeded`` (set by a server
    /// per request; nil = none).
    ///
    /// Checked at the start of ``CompiledAggregateType/apply(_:to:)`` (so once per implied event too) and
    /// during pattern matching. Work also stops, with the same code, once its task is cancelled.
    @TaskLocal public static var deadline: ContinuousClock.Instant?

    /// Throws ``SpecError/Code/deadlineExceeded`` once ``deadline`` has passed or the task is cancelled: for
    /// callers' own long work (folding pages, planning a batch) between the spec's steps.
    public static func checkDeadline() throws(SpecError) {
        try SpecInterruption.check()
    }
}

extension Int {
    /// The number with thousands separated by commas, such as `1,048,576`, as messages give limits.
    var grouped: String {
        let digits = String(magnitude)
        var result = ""
        for (index, digit) in digits.enumerated() {
            if index > 0 && (digits.count - index) % 3 == 0 { result += "," }
            result.append(digit)
        }
        return self < 0 ? "-" + result : result
    }
}
