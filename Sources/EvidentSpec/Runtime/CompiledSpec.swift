public import Evident

/// A spec, checked and compiled once into closures: folding an event never re-parses the spec.
///
/// ```swift
/// let spec = try CompiledSpec(parsing: text)        // throws SpecValidationError with every problem
/// print(spec.contentHash)
/// guard let order = spec.aggregateType("order") else { … }
/// let state = try order.apply(event, to: [:])
/// ```
public struct CompiledSpec: Sendable {
    /// The spec body (without the optional `{"spec": …}` wrapper).
    public let document: JSON
    /// SHA-256 of the body's canonical serialization (compact, keys sorted), as 64 hex digits; the same with
    /// or without the wrapper.
    public let contentHash: String
    /// The compiled aggregate types by name.
    public let aggregateTypes: [String: CompiledAggregateType]
    /// The bounds on the work one event may cause, shared by every aggregate type.
    public let limits: SpecLimits
    /// What may cost more than it should but does not make the spec invalid: patterns that may backtrack
    /// badly, each with the path of its `pattern` (see ``warnings(in:)``).
    public let warnings: [SpecProblem]
    /// The projections the spec declares (`projections`), by name.
    public let projections: [String: CompiledProjection]
    let rules: SpecRules

    /// The deepest chain of implications ``impliedEvents(of:stateAfter:maximumDepth:loadState:)`` follows
    /// by default.
    public static let defaultImplicationDepth = 8

    /// Checks and compiles a spec, with or without its `{"spec": …}` wrapper, to run within `limits`; throws
    /// every problem found.
    public init(_ document: JSON, limits: SpecLimits = .standard) throws(SpecValidationError) {
        let body = SpecCompiler.unwrap(document)
        var compiler = SpecCompiler(limits: limits)
        let (aggregates, rules) = compiler.compileDocument(document)
        guard compiler.problems.isEmpty else { throw SpecValidationError(problems: compiler.problems) }
        self.document = body
        self.contentHash = Hashing.sha256Hex(body.serialized())
        self.aggregateTypes = aggregates
        self.limits = limits
        self.warnings = compiler.warnings
        self.projections = compiler.projections
        self.rules = rules
    }

    /// Parses and compiles a spec to run within `limits`; malformed JSON is reported as one problem at the
    /// document.
    public init(parsing text: String, limits: SpecLimits = .standard) throws(SpecValidationError) {
        let document: JSON
        do {
            document = try JSON(parsing: text)
        } catch {
            throw SpecValidationError(problems: [SpecProblem(path: "", message: error.description)])
        }
        try self.init(document, limits: limits)
    }

    /// Every problem in a spec, each with its path; empty when the spec is valid.
    public static func problems(in document: JSON) -> [SpecProblem] {
        var compiler = SpecCompiler()
        _ = compiler.compileDocument(document)
        return compiler.problems
    }

    /// Every warning about a spec, each with its path: the `pattern`s (and `patternProperties` names) of its
    /// schemas that may backtrack badly, saying why and what to write instead. Warnings are not problems: a
    /// spec with warnings and no problems is valid, and ``SpecLimits/patternMatchBudget`` bounds what such a
    /// pattern can cost.
    ///
    /// The check is a conservative heuristic: it flags nested quantifiers such as `(a+)+` or `(.*)*`, repeated
    /// groups whose alternatives overlap such as `(a|aa)+`, and two or more unbounded wildcards with more
    /// pattern after them such as `.*a.*a.*`, and may miss other patterns that backtrack.
    public static func warnings(in document: JSON) -> [SpecProblem] {
        var compiler = SpecCompiler()
        _ = compiler.compileDocument(document)
        return compiler.warnings
    }

    /// The aggregate type named `name`, if the spec declares it.
    public func aggregateType(_ name: String) -> CompiledAggregateType? { aggregateTypes[name] }

    /// The aggregate type named `name`, or an error with code `unknownAggregateType`.
    public func requireAggregateType(_ name: String) throws(SpecError) -> CompiledAggregateType {
        guard let type = aggregateTypes[name] else {
            throw SpecError(
                code: .unknownAggregateType,
                message: "the spec declares no aggregate type '\(name)'; it declares "
                    + aggregateTypes.keys.sorted().joined(separator: ", "))
        }
        return type
    }

    /// The actor types events may carry (`agent_types`).
    public var agentTypes: Set<String> { rules.agentTypes }
    /// The target types events may carry (`target_types`); nil when the spec declares none.
    public var targetTypes: Set<String>? { rules.targetTypes }
    /// The singleton ids: `global` and the declared `singletons`.
    public var singletons: Set<String> { rules.singletons }

    /// Normalizes an aggregate, actor or target id under this spec's singletons, or says why it is malformed.
    public func normalizedIdentifier(_ id: String) throws(SpecError) -> String {
        try Identifiers.normalize(id, singletons: rules.singletons)
    }

    /// Checks a new event of the aggregate type it names and returns the state after it; see
    /// ``CompiledAggregateType/apply(_:to:)``.
    public func apply(_ event: SpecEvent, to state: JSON) throws(SpecError) -> JSON {
        try requireAggregateType(event.aggregateType).apply(event, to: state)
    }

    /// Everything `event` implies, transitively, each implied event checked like a new event (schema,
    /// `requires`, handler, and the ``limits``) against the state of its aggregate, in the order they must be
    /// written.
    ///
    /// `loadState` returns the current state and length of an aggregate (`type`, `id`); it is called once per
    /// aggregate, and events planned earlier in the chain are taken into account. Throws ``SpecError`` (code
    /// `implicationDepthExceeded` past `maximumDepth`, `tooManyImpliedEvents` as soon as more than
    /// ``SpecLimits/maximumImpliedEvents`` are planned, `deadlineExceeded` once ``SpecLimits/deadline`` has
    /// passed, or the refusal of an implied event, whose `specPath` names the failing part) or what `loadState`
    /// throws.
    public func impliedEvents(
        of event: SpecEvent, stateAfter: JSON, maximumDepth: Int = defaultImplicationDepth,
        loadState: (_ aggregateType: String, _ id: String) async throws -> (state: JSON, version: Int)
    ) async throws -> [PlannedEvent] {
        var aggregates: [String: (state: JSON, version: Int)] = [
            "\(event.aggregateType):\(event.aggregateID)": (stateAfter, event.version)
        ]
        var planned: [PlannedEvent] = []
        var pending: [(cause: SpecEvent, state: JSON, depth: Int)] = [(event, stateAfter, 1)]
        var nextPending = 0
        while nextPending < pending.count {
            let (cause, state, depth) = pending[nextPending]
            nextPending += 1
            // Each cause may add only what is left of the limit, so planning stops as soon as it is passed.
            let implied = try requireAggregateType(cause.aggregateType).implications(
                of: cause, stateAfter: state, maximumCount: limits.maximumImpliedEvents - planned.count)
            guard !implied.isEmpty else { continue }
            guard depth <= maximumDepth else {
                throw SpecError(
                    code: .implicationDepthExceeded,
                    message: "implications go deeper than \(maximumDepth) levels; check for a cycle",
                    specPath: implied[0].specPath)
            }
            for next in implied {
                let type = try requireAggregateType(next.aggregateType)
                let key = "\(next.aggregateType):\(next.aggregateID)"
                let current: (state: JSON, version: Int)
                if let known = aggregates[key] {
                    current = known
                } else {
                    current = try await loadState(next.aggregateType, next.aggregateID)
                }
                let impliedEvent = SpecEvent(
                    type: next.eventType, data: next.data, metadata: cause.metadata, aggregateType: next.aggregateType,
                    aggregateID: next.aggregateID, version: current.version + 1, timestamp: cause.timestamp)
                let after: JSON
                do throws(SpecError) {
                    // `apply` checks the deadline first, so each planned event does.
                    after = try type.apply(impliedEvent, to: current.state)
                } catch {
                    var refused = error
                    refused.message =
                        "implied event '\(key)/\(next.eventType)' (from \(next.specPath)) refused: \(error.message)"
                    throw refused
                }
                aggregates[key] = (after, impliedEvent.version)
                planned.append(PlannedEvent(event: impliedEvent, stateAfter: after, depth: depth))
                pending.append((impliedEvent, after, depth + 1))
            }
        }
        return planned
    }
}
