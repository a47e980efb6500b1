public import Evident

extension JSON {
    /// This spec document (an object with `aggregate_types`) with `change` made to the definition of the event
    /// `event` of the aggregate type `type`: nil in `change` when it is not declared, nil out to remove it. For tests
    /// of spec evolution; traps when the document has no aggregate type `type`.
    public func changingEvent(
        _ event: String, of type: String, _ change: (inout [String: JSON]?) -> Void
    ) -> JSON {
        guard var spec = object, var types = spec["aggregate_types"]?.object, var aggregate = types[type]?.object
        else { preconditionFailure("the spec document declares no aggregate type '\(type)'") }
        var events = aggregate["events"]?.object ?? [:]
        var definition = events[event]?.object
        change(&definition)
        events[event] = definition.map(JSON.object)
        aggregate["events"] = .object(events)
        types[type] = .object(aggregate)
        spec["aggregate_types"] = .object(types)
        return .object(spec)
    }
}
