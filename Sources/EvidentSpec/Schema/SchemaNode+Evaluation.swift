import Evident

extension SchemaNode {
    /// Evaluates this node against `instance` at `context.path`. When `collecting` and the node is valid,
    /// its evaluated-location annotations are merged into `annotations`.
    func evaluate(
        _ instance: JSON, _ context: inout ValidationContext, _ annotations: inout SchemaAnnotations,
        collecting: Bool
    ) -> Bool {
        if let boolean {
            if !boolean { context.report("false", "no value is allowed here") }
            return boolean
        }
        var entered = false
        if context.tracksScope, context.scope.last !== resource {
            context.scope.append(resource)
            entered = true
        }
        defer { if entered { context.scope.removeLast() } }

        let wantsAnnotations = collecting || needsAnnotations
        var local = SchemaAnnotations()
        var valid = true
        for keyword in keywords {
            if !check(keyword, instance, &context, &local, wantsAnnotations) {
                valid = false
                if !context.reporting { return false }
            }
        }
        if unevaluatedProperties != nil || unevaluatedItems != nil {
            if !checkUnevaluated(instance, &context, &local) {
                valid = false
            }
        }
        if valid && collecting { annotations.merge(local) }
        return valid
    }

    @inline(never)
    private func checkUnevaluated(
        _ instance: JSON, _ context: inout ValidationContext, _ local: inout SchemaAnnotations
    ) -> Bool {
        var valid = true
        if let schema = unevaluatedProperties, case .object(let members) = instance, !local.allProperties {
            for (key, value) in members where !local.properties.contains(key) {
                if schema.isFalse {
                    context.report("unevaluatedProperties", "unexpected property '\(key)'")
                    valid = false
                } else if !context.evaluate(schema, value, at: .key(key)) {
                    valid = false
                }
                if !valid && !context.reporting { return false }
            }
            local.allProperties = true
        }
        if let schema = unevaluatedItems, case .array(let elements) = instance, !local.allItems {
            for index in local.itemPrefix..<Swift.max(local.itemPrefix, elements.count)
            where !local.items.contains(index) {
                if schema.isFalse {
                    context.report("unevaluatedItems", "unexpected item at index \(index)")
                    valid = false
                } else if !context.evaluate(schema, elements[index], at: .index(index)) {
                    valid = false
                }
                if !valid && !context.reporting { return false }
            }
            local.allItems = true
        }
        return valid
    }

    /// Applies one keyword. Each applicator has its own out-of-line function so that the recursive path
    /// through deep instances keeps small stack frames.
    private func check(
        _ keyword: SchemaKeyword, _ instance: JSON, _ context: inout ValidationContext,
        _ local: inout SchemaAnnotations, _ wantsAnnotations: Bool
    ) -> Bool {
        switch keyword {
        case .objectApplicator(let applicator):
            guard case .object(let members) = instance else { return true }
            return checkObject(applicator, members, &context, &local, wantsAnnotations)
        case .items(let prefix, let rest):
            guard case .array(let elements) = instance else { return true }
            return checkItems(prefix, rest, elements, &context, &local)
        case .ref(let target):
            return follow(target.node, instance, &context, &local, wantsAnnotations)
        case .dynamicRef(let target, let anchor):
            return followDynamic(target.node, anchor, instance, &context, &local, wantsAnnotations)
        case .allOf(let schemas):
            return checkAllOf(schemas, instance, &context, &local, wantsAnnotations)
        case .anyOf(let schemas):
            return checkAnyOf(schemas, instance, &context, &local, wantsAnnotations)
        case .oneOf(let schemas):
            return checkOneOf(schemas, instance, &context, &local, wantsAnnotations)
        case .ifThenElse(let condition, let then, let otherwise):
            if then == nil && otherwise == nil && !wantsAnnotations { return true }
            return checkIf(condition, then, otherwise, instance, &context, &local, wantsAnnotations)
        case .not(let schema):
            return checkNot(schema, instance, &context)
        case .contains(let schema, let minimum, let maximum):
            guard case .array(let elements) = instance else { return true }
            return checkContains(schema, minimum, maximum, elements, &context, &local, wantsAnnotations)
        case .propertyNames(let schema):
            guard case .object(let members) = instance else { return true }
            return checkPropertyNames(schema, members, &context)
        case .dependentSchemas(let dependencies):
            guard case .object(let members) = instance else { return true }
            return checkDependentSchemas(dependencies, members, instance, &context, &local, wantsAnnotations)
        default:
            return SchemaNode.assert(keyword, instance, &context)
        }
    }

    @inline(never)
    private func checkAllOf(
        _ schemas: [SchemaNode], _ instance: JSON, _ context: inout ValidationContext,
        _ local: inout SchemaAnnotations, _ wantsAnnotations: Bool
    ) -> Bool {
        var valid = true
        for schema in schemas where !schema.evaluate(instance, &context, &local, collecting: wantsAnnotations) {
            valid = false
            if !context.reporting { return false }
        }
        return valid
    }

    @inline(never)
    private func checkAnyOf(
        _ schemas: [SchemaNode], _ instance: JSON, _ context: inout ValidationContext,
        _ local: inout SchemaAnnotations, _ wantsAnnotations: Bool
    ) -> Bool {
        var matched = false
        for schema in schemas {
            var branch = SchemaAnnotations()
            if context.quietly(schema, instance, &branch, collecting: wantsAnnotations) {
                matched = true
                guard wantsAnnotations else { break }
                local.merge(branch)
            }
        }
        if !matched {
            reportAlternatives("anyOf", "must match at least one schema in anyOf", schemas, instance, &context)
        }
        return matched
    }

    @inline(never)
    private func checkOneOf(
        _ schemas: [SchemaNode], _ instance: JSON, _ context: inout ValidationContext,
        _ local: inout SchemaAnnotations, _ wantsAnnotations: Bool
    ) -> Bool {
        var first: Int?
        var chosen = SchemaAnnotations()
        for (index, schema) in schemas.enumerated() {
            var branch = SchemaAnnotations()
            guard context.quietly(schema, instance, &branch, collecting: wantsAnnotations) else { continue }
            if let first {
                context.report("oneOf", "must match exactly one schema in oneOf, but matched [\(first)] and [\(index)]")
                return false
            }
            first = index
            chosen = branch
        }
        guard first != nil else {
            reportAlternatives(
                "oneOf", "must match exactly one schema in oneOf, matched none", schemas, instance, &context)
            return false
        }
        if wantsAnnotations { local.merge(chosen) }
        return true
    }

    @inline(never)
    private func checkIf(
        _ condition: SchemaNode, _ then: SchemaNode?, _ otherwise: SchemaNode?, _ instance: JSON,
        _ context: inout ValidationContext, _ local: inout SchemaAnnotations, _ wantsAnnotations: Bool
    ) -> Bool {
        var branch = SchemaAnnotations()
        if context.quietly(condition, instance, &branch, collecting: wantsAnnotations) {
            if wantsAnnotations { local.merge(branch) }
            return then?.evaluate(instance, &context, &local, collecting: wantsAnnotations) ?? true
        }
        return otherwise?.evaluate(instance, &context, &local, collecting: wantsAnnotations) ?? true
    }

    @inline(never)
    private func checkNot(_ schema: SchemaNode, _ instance: JSON, _ context: inout ValidationContext) -> Bool {
        var ignored = SchemaAnnotations()
        guard context.quietly(schema, instance, &ignored, collecting: false) else { return true }
        context.report("not", "must not match the schema in 'not'")
        return false
    }

    @inline(never)
    private func checkContains(
        _ schema: SchemaNode, _ minimum: Int, _ maximum: Int?, _ elements: [JSON], _ context: inout ValidationContext,
        _ local: inout SchemaAnnotations, _ wantsAnnotations: Bool
    ) -> Bool {
        var matches = 0
        for (index, element) in elements.enumerated() {
            context.path.append(.index(index))
            let savedBase = context.referencesBase
            context.referencesBase = context.references.count
            var ignored = SchemaAnnotations()
            let matched = context.quietly(schema, element, &ignored, collecting: false)
            context.referencesBase = savedBase
            context.path.removeLast()
            if matched {
                matches += 1
                if wantsAnnotations { local.items.insert(index) }
            }
        }
        if matches < minimum {
            context.report(
                "contains", "must contain at least \(minimum) matching item\(minimum == 1 ? "" : "s"), found \(matches)"
            )
            return false
        }
        if let maximum, matches > maximum {
            context.report(
                "maxContains",
                "must contain at most \(maximum) matching item\(maximum == 1 ? "" : "s"), found \(matches)")
            return false
        }
        return true
    }

    @inline(never)
    private func checkPropertyNames(
        _ schema: SchemaNode, _ members: [String: JSON], _ context: inout ValidationContext
    ) -> Bool {
        var valid = true
        for key in members.keys {
            var ignored = SchemaAnnotations()
            if !context.quietly(schema, .string(key), &ignored, collecting: false) {
                valid = false
                guard context.reporting else { return false }
                let reason = context.summary(of: context.explain(schema, .string(key)))
                context.report("propertyNames", "property name '\(key)' is not allowed: \(reason)")
            }
        }
        return valid
    }

    @inline(never)
    private func checkDependentSchemas(
        _ dependencies: [(String, SchemaNode)], _ members: [String: JSON], _ instance: JSON,
        _ context: inout ValidationContext, _ local: inout SchemaAnnotations, _ wantsAnnotations: Bool
    ) -> Bool {
        var valid = true
        for (trigger, schema) in dependencies where members[trigger] != nil {
            if !schema.evaluate(instance, &context, &local, collecting: wantsAnnotations) {
                valid = false
                if !context.reporting { return false }
            }
        }
        return valid
    }

    @inline(never)
    private func followDynamic(
        _ target: SchemaNode, _ anchor: String?, _ instance: JSON, _ context: inout ValidationContext,
        _ local: inout SchemaAnnotations, _ wantsAnnotations: Bool
    ) -> Bool {
        var node = target
        if let anchor {
            for resource in context.scope {
                if let dynamic = resource.dynamicAnchors[anchor] {
                    node = dynamic.node
                    break
                }
            }
        }
        return follow(node, instance, &context, &local, wantsAnnotations)
    }

    /// Evaluates a keyword that only asserts something about `instance` itself.
    @inline(never)
    private static func assert(_ keyword: SchemaKeyword, _ instance: JSON, _ context: inout ValidationContext) -> Bool {
        switch keyword {
        case .type(let types):
            guard types.admits(instance) else {
                context.report("type", "expected \(types.listing), got \(instance.kindName)")
                return false
            }
        case .const(let expected):
            guard strictlyEqual(instance, expected) else {
                context.report("const", "must equal \(SchemaNode.excerpt(expected))")
                return false
            }
        case .enum(let options):
            guard options.contains(where: { strictlyEqual(instance, $0) }) else {
                context.report("enum", "must be one of \(SchemaNode.excerpt(.array(options)))")
                return false
            }
        case .multipleOf(let divisor):
            guard let number = instance.number else { return true }
            guard isMultiple(instance, number, of: divisor) else {
                context.report("multipleOf", "must be a multiple of \(SchemaNode.show(divisor)), got \(instance)")
                return false
            }
        case .minimum(let limit):
            guard let number = instance.number, number < limit else { return true }
            context.report("minimum", "must be >= \(SchemaNode.show(limit)), got \(instance)")
            return false
        case .maximum(let limit):
            guard let number = instance.number, number > limit else { return true }
            context.report("maximum", "must be <= \(SchemaNode.show(limit)), got \(instance)")
            return false
        case .exclusiveMinimum(let limit):
            guard let number = instance.number, number <= limit else { return true }
            context.report("exclusiveMinimum", "must be > \(SchemaNode.show(limit)), got \(instance)")
            return false
        case .exclusiveMaximum(let limit):
            guard let number = instance.number, number >= limit else { return true }
            context.report("exclusiveMaximum", "must be < \(SchemaNode.show(limit)), got \(instance)")
            return false
        case .minLength(let limit):
            guard case .string(let string) = instance else { return true }
            let length = string.unicodeScalars.count
            guard length >= limit else {
                context.report("minLength", "must be at least \(limit) characters long, got \(length)")
                return false
            }
        case .maxLength(let limit):
            guard case .string(let string) = instance else { return true }
            let length = string.unicodeScalars.count
            guard length <= limit else {
                context.report("maxLength", "must be at most \(limit) characters long, got \(length)")
                return false
            }
        case .pattern(let regex):
            guard case .string(let string) = instance, !context.matches(regex, string) else { return true }
            context.report("pattern", "must match the pattern \(SchemaNode.excerpt(.string(regex.source)))")
            return false
        case .format(let name, let isValid):
            guard case .string(let string) = instance, !isValid(string) else { return true }
            context.report("format", "is not a valid \(name): \(SchemaNode.excerpt(instance))")
            return false
        case .minItems(let limit):
            guard case .array(let elements) = instance, elements.count < limit else { return true }
            context.report(
                "minItems", "must have at least \(limit) item\(limit == 1 ? "" : "s"), got \(elements.count)")
            return false
        case .maxItems(let limit):
            guard case .array(let elements) = instance, elements.count > limit else { return true }
            context.report("maxItems", "must have at most \(limit) item\(limit == 1 ? "" : "s"), got \(elements.count)")
            return false
        case .uniqueItems:
            guard case .array(let elements) = instance, let (first, second) = duplicate(in: elements) else {
                return true
            }
            context.report("uniqueItems", "items must be unique, but [\(first)] and [\(second)] are equal")
            return false
        case .minProperties(let limit):
            guard case .object(let members) = instance, members.count < limit else { return true }
            context.report(
                "minProperties", "must have at least \(limit) propert\(limit == 1 ? "y" : "ies"), got \(members.count)")
            return false
        case .maxProperties(let limit):
            guard case .object(let members) = instance, members.count > limit else { return true }
            context.report(
                "maxProperties", "must have at most \(limit) propert\(limit == 1 ? "y" : "ies"), got \(members.count)")
            return false
        case .required(let names):
            guard case .object(let members) = instance else { return true }
            var valid = true
            for name in names where members[name] == nil {
                context.report("required", "missing required property '\(name)'")
                valid = false
                if !context.reporting { return false }
            }
            return valid
        case .dependentRequired(let dependencies):
            guard case .object(let members) = instance else { return true }
            var valid = true
            for (trigger, names) in dependencies where members[trigger] != nil {
                for name in names where members[name] == nil {
                    context.report(
                        "dependentRequired", "missing property '\(name)', required when '\(trigger)' is present")
                    valid = false
                    if !context.reporting { return false }
                }
            }
            return valid
        default:
            break  // Applicators, handled by `check`.
        }
        return true
    }

    @inline(never)
    private func follow(
        _ target: SchemaNode, _ instance: JSON, _ context: inout ValidationContext,
        _ local: inout SchemaAnnotations, _ wantsAnnotations: Bool
    ) -> Bool {
        let id = ObjectIdentifier(target)
        if context.references[context.referencesBase...].contains(id) {
            context.report("$ref", "schema reference loop: the schema refers to itself without consuming any input")
            return false
        }
        context.references.append(id)
        defer { context.references.removeLast() }
        return target.evaluate(instance, &context, &local, collecting: wantsAnnotations)
    }

    @inline(never)
    private func checkObject(
        _ applicator: ObjectApplicator, _ members: [String: JSON], _ context: inout ValidationContext,
        _ local: inout SchemaAnnotations, _ wantsAnnotations: Bool
    ) -> Bool {
        var valid = true
        for (key, value) in members {
            var matched = false
            if let schema = applicator.properties[key] {
                matched = true
                if schema.isFalse {
                    context.report("properties", "property '\(key)' is not allowed")
                    valid = false
                } else if !context.evaluate(schema, value, at: .key(key)) {
                    valid = false
                }
            }
            for (regex, schema) in applicator.patterns where context.matches(regex, key) {
                matched = true
                if !context.evaluate(schema, value, at: .key(key)) { valid = false }
            }
            if !matched, let schema = applicator.additional {
                matched = true
                if schema.isFalse {
                    context.report("additionalProperties", "unexpected property '\(key)'")
                    valid = false
                } else if !context.evaluate(schema, value, at: .key(key)) {
                    valid = false
                }
            }
            if !valid && !context.reporting { return false }
            if matched && wantsAnnotations { local.properties.insert(key) }
        }
        return valid
    }

    @inline(never)
    private func checkItems(
        _ prefix: [SchemaNode], _ rest: SchemaNode?, _ elements: [JSON], _ context: inout ValidationContext,
        _ local: inout SchemaAnnotations
    ) -> Bool {
        var valid = true
        for (index, element) in elements.enumerated() {
            let schema: SchemaNode
            if index < prefix.count {
                schema = prefix[index]
            } else if let rest {
                if rest.isFalse {
                    let allowed = prefix.count
                    context.report(
                        "items", "must have at most \(allowed) item\(allowed == 1 ? "" : "s"), got \(elements.count)")
                    return false
                }
                schema = rest
            } else {
                break
            }
            if !context.evaluate(schema, element, at: .index(index)) {
                valid = false
                if !context.reporting { return false }
            }
        }
        local.itemPrefix = Swift.max(local.itemPrefix, Swift.min(prefix.count, elements.count))
        if rest != nil { local.allItems = true }
        return valid
    }

    /// Reports that no alternative matched, with what each alternative found wrong.
    @inline(never)
    private func reportAlternatives(
        _ keyword: String, _ lead: String, _ schemas: [SchemaNode], _ instance: JSON, _ context: inout ValidationContext
    ) {
        guard context.reporting else { return }
        let reasons = schemas.enumerated().map { index, schema in
            "[\(index)] " + context.summary(of: context.explain(schema, instance))
        }
        context.report(keyword, lead + ": " + reasons.joined(separator: "; "))
    }

    static func isMultiple(_ instance: JSON, _ number: Double, of divisor: Double) -> Bool {
        if case .int(let value) = instance, let integerDivisor = Int(exactly: divisor) {
            return value % integerDivisor == 0
        }
        let quotient = number / divisor
        guard quotient.isFinite else { return number.truncatingRemainder(dividingBy: divisor) == 0 }
        let rounded = quotient.rounded()
        return abs(quotient - rounded) <= 1e-9 * Swift.max(1, abs(rounded))
    }

    /// The indexes of the first two equal elements, if any.
    static func duplicate(in elements: [JSON]) -> (Int, Int)? {
        if elements.count < 16 {
            for i in elements.indices {
                for j in (i + 1)..<elements.count where strictlyEqual(elements[i], elements[j]) { return (i, j) }
            }
            return nil
        }
        // `JSON`'s own equality is coarser (canonically equivalent strings are equal), so it can bucket.
        var seen: [JSON: [Int]] = [:]
        for (index, element) in elements.enumerated() {
            if let earlier = seen[element]?.first(where: { strictlyEqual(elements[$0], element) }) {
                return (earlier, index)
            }
            seen[element, default: []].append(index)
        }
        return nil
    }

    /// JSON Schema equality: like `JSON`'s (`1 == 1.0`), but strings must have the same code points, where
    /// Swift would also equate canonically equivalent strings.
    static func strictlyEqual(_ lhs: JSON, _ rhs: JSON) -> Bool {
        switch (lhs, rhs) {
        case (.string(let a), .string(let b)):
            return a.unicodeScalars.elementsEqual(b.unicodeScalars)
        case (.array(let a), .array(let b)):
            return a.count == b.count && zip(a, b).allSatisfy { strictlyEqual($0, $1) }
        case (.object(let a), .object(let b)):
            return a.count == b.count && a.allSatisfy { key, value in b[key].map { strictlyEqual(value, $0) } ?? false }
        default:
            return lhs == rhs
        }
    }

    /// A number as written in a schema: `5` rather than `5.0`.
    static func show(_ number: Double) -> String {
        if let integer = Int(exactly: number) { return String(integer) }
        return String(number)
    }

    /// Compact JSON text, shortened when long.
    static func excerpt(_ value: JSON) -> String {
        let text = value.serializedString()
        return text.count > 80 ? String(text.prefix(77)) + "…" : text
    }
}
