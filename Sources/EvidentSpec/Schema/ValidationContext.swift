import Evident

/// The mutable state of one `validate` call.
struct ValidationContext {
    /// Violations found so far (only while `reporting`).
    var violations: [SchemaViolation] = []
    /// Whether violations are wanted; false inside `anyOf`, `not`, `if`… where only validity matters,
    /// which lets evaluation stop at the first failure.
    var reporting = true
    /// The instance location being evaluated.
    var path: [PathComponent] = []
    /// Whether to track the dynamic scope (only schemas using `$dynamicRef` need it).
    let tracksScope: Bool
    /// The schema resources entered, outermost first.
    var scope: [SchemaResource] = []
    /// The references followed, to detect a reference loop that never moves into the instance.
    var references: [ObjectIdentifier] = []
    /// Where in `references` the current instance location starts.
    var referencesBase = 0
    /// What pattern matching may still spend in this validation.
    private var patternBudget: PatternBudget
    /// Why the validation stopped before it could decide, once it has: its result is then meaningless, and
    /// every later match fails at once.
    private(set) var interruption: SpecInterruption?

    init(tracksScope: Bool, patternBudget: Duration) {
        self.tracksScope = tracksScope
        self.patternBudget = PatternBudget(patternBudget)
    }

    /// Whether `regex` matches `string` (at the current location), within the pattern budget: when the budget,
    /// the deadline or the task's cancellation stops matching, records why in `interruption` and answers false.
    mutating func matches(_ regex: SchemaRegex, _ string: String) -> Bool {
        guard interruption == nil else { return false }
        let matched = regex.matches(string, stoppingWhen: { patternBudget.report() })
        // A completed match is a report of progress too.
        if let matched, !patternBudget.report() { return matched }
        if case .interrupted(let reason)? = patternBudget.stop {
            interruption = reason
        } else {
            interruption = .patternBudgetSpent(pattern: regex.source, at: path.rendered(root: "data"))
        }
        return false
    }

    /// Records a violation at the current location.
    mutating func report(_ keyword: String, _ message: String) {
        guard reporting else { return }
        violations.append(SchemaViolation(path: path.rendered(root: "data"), keyword: keyword, message: message))
    }

    /// Records a violation at a child of the current location.
    mutating func report(_ keyword: String, _ message: String, at component: PathComponent) {
        guard reporting else { return }
        path.append(component)
        report(keyword, message)
        path.removeLast()
    }

    /// Evaluates `node` against `instance`, a child of the current location.
    mutating func evaluate(_ node: SchemaNode, _ instance: JSON, at component: PathComponent) -> Bool {
        path.append(component)
        let savedBase = referencesBase
        referencesBase = references.count
        var ignored = SchemaAnnotations()
        let valid = node.evaluate(instance, &self, &ignored, collecting: false)
        referencesBase = savedBase
        path.removeLast()
        return valid
    }

    /// Evaluates `node` at the current location without reporting; the annotations go to `annotations`
    /// when the node is valid and `collecting`.
    mutating func quietly(
        _ node: SchemaNode, _ instance: JSON, _ annotations: inout SchemaAnnotations, collecting: Bool
    ) -> Bool {
        let saved = reporting
        reporting = false
        defer { reporting = saved }
        return node.evaluate(instance, &self, &annotations, collecting: collecting)
    }

    /// The violations `node` would report at the current location, for explaining a failed alternative.
    mutating func explain(_ node: SchemaNode, _ instance: JSON) -> [SchemaViolation] {
        let savedViolations = violations
        let savedReporting = reporting
        violations = []
        reporting = true
        var ignored = SchemaAnnotations()
        _ = node.evaluate(instance, &self, &ignored, collecting: false)
        let found = violations
        violations = savedViolations
        reporting = savedReporting
        return found
    }

    /// A short account of `violations`, relative to the current location.
    func summary(of violations: [SchemaViolation]) -> String {
        let here = path.rendered(root: "data")
        let parts = violations.prefix(3).map { violation -> String in
            guard violation.path != here, violation.path.hasPrefix(here) else { return violation.message }
            var relative = violation.path.dropFirst(here.count)
            if relative.hasPrefix(".") { relative = relative.dropFirst() }
            return "\(relative): \(violation.message)"
        }
        return parts.joined(separator: "; ") + (violations.count > 3 ? "; …" : "")
    }
}
