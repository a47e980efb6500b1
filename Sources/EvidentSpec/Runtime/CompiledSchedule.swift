import Evident

/// The `emit` of an implication or a schedule, compiled: the aggregate type and event type it names, and the
/// values giving the aggregate id and the data.
struct CompiledEmit: Sendable {
    let aggregateType: String
    let eventType: String
    let id: CompiledValue
    let data: CompiledValue
}

/// One `{"schedule": {"after", "emit", "cancel_if"?}}` entry of an event's `implications`, compiled.
struct CompiledSchedule: Sendable {
    /// The longest delay `after` may give, in seconds: about 100 years.
    static let maximumDelay = 3_155_760_000

    /// The entry's path in the spec and a hash of its JSON: `aggregate_types.cart.events.was_opened.implications[0]#…`.
    /// A later spec declares the same schedule when it has the same identity.
    let identity: String
    /// The path of the `schedule` object.
    let path: String
    let after: CompiledValue
    let emit: CompiledEmit
    let cancelIf: CompiledPredicate?

    /// Why `value` is not a delay `after` accepts (a number of seconds from 0 to ``maximumDelay``); nil when it is.
    static func delayProblem(_ value: JSON) -> String? {
        let expected = "'after' must give a number of seconds from 0 to \(maximumDelay) (about 100 years)"
        guard let seconds = value.number else { return "\(expected), not \(value.kindPhrase)" }
        guard seconds >= 0, seconds <= Double(maximumDelay) else { return "\(expected), not \(value)" }
        return nil
    }
}
