/// The spec-wide rules every event is checked against: allowed actor and target types, and singleton ids.
struct SpecRules: Sendable {
    var agentTypes: Set<String> = []
    /// Nil when the spec declares no `target_types`: then no event may carry a target.
    var targetTypes: Set<String>?
    var singletons: Set<String> = [Identifiers.global]
}
