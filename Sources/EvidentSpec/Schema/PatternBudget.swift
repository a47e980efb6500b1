internal import Foundation

/// What pattern matching may still spend in one validation: ``SpecLimits/patternMatchBudget`` of the thread's
/// CPU time, until ``SpecLimits/deadline``, while the task is not cancelled.
///
/// Matching reports its progress: each completed match, and ICU's reports during a match (about every 0.3 ms
/// of a long one, and after each position a match is tried from). The budget looks at the clocks on every
/// ``reportsPerLook``th report only, since a look costs about a tenth of a short match: an event with a few
/// short matches reads no clock, and a limit is overshot by at most that many reports (a couple of
/// milliseconds). Each look reads the wall clock; the thread's CPU time (a system call) is read at the first
/// look and then only when the wall clock says the budget may be spent, so a thread the system paused is not
/// charged for the pause.
struct PatternBudget {
    /// Why matching must stop.
    enum Stop {
        /// The budget is spent.
        case spent
        /// The deadline has passed, or the task is cancelled.
        case interrupted(SpecInterruption)
    }

    /// The reports between two looks at the clocks.
    static let reportsPerLook = 8

    private let budget: Duration
    private var reportsUntilLook = reportsPerLook
    /// ``SpecLimits/deadline``, read at the first look.
    private var deadline: ContinuousClock.Instant?
    /// The thread's CPU time at the first look.
    private var cpuStart: Duration?
    /// The earliest the budget can be spent: not before as much wall time as is left of it has passed.
    private var earliestSpent: ContinuousClock.Instant?
    /// Why matching must stop, once it must.
    private(set) var stop: Stop?

    init(_ budget: Duration) {
        self.budget = budget
    }

    /// Counts one report of progress; true when matching must stop (``stop`` says why).
    mutating func report() -> Bool {
        reportsUntilLook -= 1
        if reportsUntilLook <= 0 {
            reportsUntilLook = Self.reportsPerLook
            look()
        }
        return stop != nil
    }

    private mutating func look() {
        if cpuStart == nil { deadline = SpecLimits.deadline }
        if let interruption = SpecInterruption.current(deadline: deadline) {
            stop = .interrupted(interruption)
            return
        }
        guard let cpuStart, let earliestSpent else {
            cpuStart = Self.threadCPUTime()
            earliestSpent = .now + budget
            return
        }
        let now = ContinuousClock.now
        guard now >= earliestSpent else { return }
        let spent = Self.threadCPUTime() - cpuStart
        if spent >= budget {
            stop = .spent
        } else {
            self.earliestSpent = now + (budget - spent)
        }
    }

    /// The CPU time the current thread has used.
    private static func threadCPUTime() -> Duration {
        var time = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &time)
        return .seconds(time.tv_sec) + .nanoseconds(time.tv_nsec)
    }
}
