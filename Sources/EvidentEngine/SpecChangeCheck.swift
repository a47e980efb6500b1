public import Evident
import EvidentSpec

/// What a new spec would break in the stored events, compared with the spec in force: one entry per kind of
/// problem and event type, with how many stored events have it.
public struct SpecChangeProblem: Sendable, Hashable {
    public enum Kind: String, Sendable, Hashable, CaseIterable {
        /// The new spec no longer declares the event type (or its aggregate type), and events of it are stored.
        case removedEventType = "removed_event_type"
        /// Stored events of the type fold under the spec in force, and their handler fails under the new one.
        case failsToFold = "fails_to_fold"
        /// Stored events of the type satisfy the schema in force, and not the new one.
        case narrowedSchema = "narrowed_schema"
    }

    public var kind: Kind
    public var aggregateType: String
    public var eventType: String
    /// How many stored events have the problem (for ``Kind/failsToFold``, among the streams folded).
    public var events: Int
    /// The first such event.
    public var firstStream: StreamName
    public var firstVersion: Int
    /// For ``Kind/failsToFold``: why the first one fails.
    public var error: String?

    /// `{"kind", "aggregate_type", "event_type", "events", "first": {"key", "version"}, "error"?}`.
    public var json: JSON {
        var object: [String: JSON] = [
            "kind": .string(kind.rawValue), "aggregate_type": .string(aggregateType),
            "event_type": .string(eventType), "events": .int(events),
            "first": ["key": .string(firstStream.description), "version": .int(firstVersion)],
        ]
        if let error { object["error"] = .string(error) }
        return .object(object)
    }

    /// One line for a person: `cart.item_was_added: 12 stored events would fail to fold (first cart:… v2: …)`.
    public var description: String {
        let what =
            switch kind {
            case .removedEventType: "the new spec does not declare this event type"
            case .failsToFold: "would fail to fold"
            case .narrowedSchema: "no longer satisfy its schema"
            }
        let reason = error.map { ": \($0)" } ?? ""
        return "\(aggregateType).\(eventType): \(events) stored event\(events == 1 ? "" : "s"), "
            + "\(what) (first \(firstStream) v\(firstVersion)\(reason))"
    }
}

/// Reads the stored events once and finds what `new` would break compared with `old` (the spec in force; nil when
/// none is): event types removed while events of them are stored, events whose handler fails under `new` but not
/// under `old`, and events that satisfy `old`'s schema but not `new`'s. A problem the spec in force has already
/// (an event type it dropped too, a fold that fails under it) is not counted again.
///
/// Only what changed is read: the aggregate types whose events, schemas or handlers differ (all of them when
/// there is no spec in force), or, for a dry run (`reportingEveryFailure`), every stored event, so that every
/// event `new` cannot fold is listed as well. Removed types and schemas are checked on every event read; folds
/// keep a state per stream, so only the first `streamLimit` streams are folded and the report says it was a
/// sample. The store has no count of events per type: reading the changed types' events is that count.
struct SpecChangeCheck {
    let new: CompiledSpec
    let old: CompiledSpec?
    let streamLimit: Int
    let reportingEveryFailure: Bool

    /// What to do with the events of one aggregate type.
    private struct TypePlan {
        var new: CompiledAggregateType?
        var old: CompiledAggregateType?
        /// Whether the handlers differ (or `old` lacks the type), so a fold under `new` may fail where one under
        /// `old` did not.
        var handlersChanged: Bool
        /// The event types whose schema differs from `old`'s, or that `old` does not declare.
        var schemaChanged: Set<String>
        /// The event types `old` declares (all, with no `old`) and `new` does not.
        var removed: (String) -> Bool
        var needsReading: Bool { handlersChanged || !schemaChanged.isEmpty || new == nil || removedAny }
        var removedAny: Bool
    }

    private struct Key: Hashable {
        var kind: SpecChangeProblem.Kind
        var aggregateType: String
        var eventType: String
    }

    private func plan(_ category: String) -> TypePlan {
        let newType = new.aggregateType(category)
        let oldType = old?.aggregateType(category)
        let newEvents = Self.events(of: category, in: new.document)
        let oldEvents = old.map { Self.events(of: category, in: $0.document) } ?? [:]
        let formatsChanged = new.document["assert_formats"] != old?.document["assert_formats"]
        var schemaChanged: Set<String> = []
        for (name, event) in newEvents
        where oldType == nil || formatsChanged || oldEvents[name]?["schema"] != event["schema"] {
            schemaChanged.insert(name)
        }
        let handlersChanged =
            newType != nil
            && (oldType == nil || newEvents.mapValues { $0["handler"] } != oldEvents.mapValues { $0["handler"] })
        let removed: (String) -> Bool =
            old == nil
            ? { newType?.declares($0) != true }
            : { newType?.declares($0) != true && oldType?.declares($0) == true }
        let removedAny = old != nil && oldEvents.keys.contains { newEvents[$0] == nil }
        return TypePlan(
            new: newType, old: oldType, handlersChanged: handlersChanged, schemaChanged: schemaChanged,
            removed: removed, removedAny: removedAny)
    }

    private static func events(of category: String, in document: JSON) -> [String: JSON] {
        document["aggregate_types"]?[category]?["events"]?.object ?? [:]
    }

    /// The aggregate types whose events must be read; nil for all of them.
    private func categoriesToRead(_ plans: inout [String: TypePlan]) -> Set<String>? {
        guard let old, !reportingEveryFailure else { return nil }
        var categories: Set<String> = []
        for category in Set(new.aggregateTypes.keys).union(old.aggregateTypes.keys) {
            let plan = plan(category)
            plans[category] = plan
            // A type neither spec declares is not this change's doing; one `old` lacks may hold events (stored
            // raw, or kept from a type removed earlier), which `new` now reads.
            if plan.old == nil || plan.new == nil || plan.needsReading { categories.insert(category) }
        }
        return categories
    }

    func run(in store: any EventStore) async throws -> DryRun {
        var report = DryRun()
        var plans: [String: TypePlan] = [:]
        let categories = categoriesToRead(&plans)
        if categories?.isEmpty == true { return report }
        var folds: [StreamName: (new: FoldResult, old: FoldResult?)] = [:]
        var removedTypes: Set<String> = []
        var problems: [Key: SpecChangeProblem] = [:]
        func count(_ kind: SpecChangeProblem.Kind, _ event: RecordedEvent, error: String? = nil) {
            let key = Key(kind: kind, aggregateType: event.stream.category, eventType: event.type)
            if problems[key] == nil {
                problems[key] = SpecChangeProblem(
                    kind: kind, aggregateType: key.aggregateType, eventType: key.eventType, events: 0,
                    firstStream: event.stream, firstVersion: event.version, error: error)
            }
            problems[key]!.events += 1
        }
        var cursor: Int64 = 0
        while true {
            let page = try await store.readLog(
                after: cursor, filter: LogFilter(streamCategories: categories, excludesSystemStreams: true),
                limit: AggregateStates.pageSize)
            guard let last = page.last else { break }
            try SpecLimits.checkDeadline()
            cursor = last.position
            for event in page {
                let category = event.stream.category
                if plans[category] == nil { plans[category] = plan(category) }
                let plan = plans[category]!
                if plan.removed(event.type) { count(.removedEventType, event) }
                if plan.schemaChanged.contains(event.type),
                    plan.new?.schemaAccepts(event.data, of: event.type) == false,
                    plan.old?.schemaAccepts(event.data, of: event.type) != false
                {
                    count(.narrowedSchema, event)
                }
                guard let type = plan.new else {
                    if reportingEveryFailure, removedTypes.insert(category).inserted {
                        report.record(
                            .init(
                                stream: event.stream, version: event.version,
                                message: "the new spec has no aggregate type '\(category)'"))
                    }
                    continue
                }
                guard reportingEveryFailure || plan.handlersChanged else { continue }
                guard folds[event.stream] != nil || folds.count < streamLimit else {
                    report.sampled = true
                    continue
                }
                report.eventsChecked += 1
                let foldsOld = plan.handlersChanged && plan.old != nil
                let before = folds[event.stream] ?? (FoldResult(state: CompiledAggregateType.initialState), nil)
                let after = type.fold([event], onto: before.new)
                var afterOld = before.old
                if foldsOld, let oldType = plan.old {
                    afterOld = oldType.fold(
                        [event], onto: before.old ?? FoldResult(state: CompiledAggregateType.initialState))
                }
                if let error = after.errors.dropFirst(before.new.errors.count).first {
                    if reportingEveryFailure {
                        report.record(
                            .init(stream: event.stream, version: error.version, message: error.error.description))
                    }
                    // A removed event type is counted as such; a fold that fails under the spec in force too (its
                    // handlers are the same, or its fold fails there as well) is not this change's doing.
                    let failsUnderOld =
                        !plan.handlersChanged
                        || (foldsOld && (afterOld?.errors.count ?? 0) > (before.old?.errors.count ?? 0))
                    if type.declares(event.type), !failsUnderOld {
                        count(.failsToFold, event, error: error.error.description)
                    }
                }
                folds[event.stream] = (after, afterOld)
            }
        }
        report.streamsChecked = folds.count
        report.problems = problems.values.sorted {
            ($0.kind.rawValue, $0.aggregateType, $0.eventType) < ($1.kind.rawValue, $1.aggregateType, $1.eventType)
        }
        return report
    }
}
