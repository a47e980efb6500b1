import Evident

/// Compiles the keywords of one schema object into a ``SchemaNode``, reporting each malformed keyword.
struct SchemaNodeBuilder {
    let compiler: SchemaCompiler
    let members: [String: JSON]
    let location: SchemaCompiler.Location
    let base: SchemaURI
    let vocabulary: SchemaVocabulary
    private var keywords: [SchemaKeyword] = []

    init(
        compiler: SchemaCompiler, members: [String: JSON], location: SchemaCompiler.Location, base: SchemaURI,
        vocabulary: SchemaVocabulary
    ) {
        self.compiler = compiler
        self.members = members
        self.location = location
        self.base = base
        self.vocabulary = vocabulary
    }

    mutating func build(into node: SchemaNode) {
        buildCore()
        if vocabulary.validation { buildValidation() }
        if let name = string("format"), compiler.assertsFormats(vocabulary), let checker = SchemaFormats.checkers[name]
        {
            keywords.append(.format(name, checker))
        }
        if vocabulary.applicator { buildApplicators() }
        if vocabulary.unevaluated {
            node.unevaluatedProperties = schema("unevaluatedProperties")
            node.unevaluatedItems = schema("unevaluatedItems")
        }
        _ = schemaMap("$defs")
        node.keywords = keywords
    }

    // MARK: Vocabularies

    private mutating func buildCore() {
        for keyword in ["$id", "$anchor", "$dynamicAnchor", "$schema", "$comment"] where members[keyword] != nil {
            _ = string(keyword)
        }
        if let reference = string("$ref") {
            if let (target, _) = compiler.referencedNode(reference, base: base) {
                keywords.append(.ref(NodeReference(node: target)))
            } else {
                problem("$ref", "cannot resolve the reference '\(reference)'")
            }
        }
        if let reference = string("$dynamicRef") {
            compiler.noteDynamicReference()
            if let (target, json) = compiler.referencedNode(reference, base: base) {
                let fragment = SchemaURI(reference).fragment ?? ""
                let isDynamic =
                    !fragment.isEmpty && !fragment.hasPrefix("/") && json["$dynamicAnchor"] == .string(fragment)
                keywords.append(.dynamicRef(NodeReference(node: target), anchor: isDynamic ? fragment : nil))
            } else {
                problem("$dynamicRef", "cannot resolve the reference '\(reference)'")
            }
        }
        if let vocabularies = members["$vocabulary"] {
            if case .object(let declarations) = vocabularies {
                for (uri, required) in declarations where required.bool == nil {
                    problem(["$vocabulary", uri], "must be a boolean")
                }
            } else {
                problem("$vocabulary", "must be an object")
            }
        }
    }

    private mutating func buildValidation() {
        if let type = members["type"] {
            var types = SchemaTypeSet()
            var names: [(JSON, [PathComponent])] = [(type, [.key("type")])]
            if case .array(let elements) = type {
                if elements.isEmpty { problem("type", "must not be an empty array") }
                names = elements.enumerated().map { ($1, [.key("type"), .index($0)]) }
            }
            for (name, path) in names {
                if case .string(let text) = name, let kind = SchemaTypeSet(name: text) {
                    types.insert(kind)
                } else {
                    let known = SchemaTypeSet.names.map(\.0).joined(separator: ", ")
                    report(path, "unknown type \(name.serializedString()); expected one of \(known)")
                }
            }
            keywords.append(.type(types))
        }
        if let value = members["const"] { keywords.append(.const(value)) }
        if let value = members["enum"] {
            if case .array(let options) = value {
                keywords.append(.enum(options))
            } else {
                problem("enum", "must be an array")
            }
        }
        if let divisor = number("multipleOf") {
            if divisor > 0 {
                keywords.append(.multipleOf(divisor))
            } else {
                problem("multipleOf", "must be greater than 0")
            }
        }
        if let limit = number("minimum") { keywords.append(.minimum(limit)) }
        if let limit = number("maximum") { keywords.append(.maximum(limit)) }
        if let limit = number("exclusiveMinimum") { keywords.append(.exclusiveMinimum(limit)) }
        if let limit = number("exclusiveMaximum") { keywords.append(.exclusiveMaximum(limit)) }
        if let limit = count("minLength") { keywords.append(.minLength(limit)) }
        if let limit = count("maxLength") { keywords.append(.maxLength(limit)) }
        if let source = string("pattern") {
            if let regex = SchemaRegex(source) {
                keywords.append(.pattern(regex))
                compiler.checkBacktracking(source, at: location.appending(.key("pattern")))
            } else {
                problem("pattern", "invalid regular expression \(JSON.string(source).serializedString())")
            }
        }
        if let limit = count("minItems") { keywords.append(.minItems(limit)) }
        if let limit = count("maxItems") { keywords.append(.maxItems(limit)) }
        if let unique = members["uniqueItems"] {
            if case .bool(let value) = unique {
                if value { keywords.append(.uniqueItems) }
            } else {
                problem("uniqueItems", "must be a boolean")
            }
        }
        if let limit = count("minProperties") { keywords.append(.minProperties(limit)) }
        if let limit = count("maxProperties") { keywords.append(.maxProperties(limit)) }
        if let names = stringArray(["required"]) { keywords.append(.required(names)) }
        if let value = members["dependentRequired"] {
            if case .object(let dependencies) = value {
                let parsed = dependencies.sorted { $0.key < $1.key }.compactMap { trigger, _ in
                    stringArray(["dependentRequired", trigger]).map { (trigger, $0) }
                }
                keywords.append(.dependentRequired(parsed))
            } else {
                problem("dependentRequired", "must be an object")
            }
        }
        _ = count("minContains")
        _ = count("maxContains")
    }

    private mutating func buildApplicators() {
        let prefix = schemaArray("prefixItems")
        let rest = schema("items")
        if prefix != nil || rest != nil { keywords.append(.items(prefix: prefix ?? [], rest: rest)) }
        if let contains = schema("contains") {
            let minimum = vocabulary.validation ? count("minContains") ?? 1 : 1
            let maximum = vocabulary.validation ? count("maxContains") : nil
            keywords.append(.contains(contains, min: minimum, max: maximum))
        }
        var objectApplicator = ObjectApplicator()
        if let properties = schemaMap("properties") {
            objectApplicator.properties = Dictionary(properties, uniquingKeysWith: { first, _ in first })
        }
        if let patterns = schemaMap("patternProperties") {
            for (source, node) in patterns {
                if let regex = SchemaRegex(source) {
                    objectApplicator.patterns.append((regex, node))
                    compiler.checkBacktracking(
                        source, at: location.appending(.key("patternProperties")).appending(.key(source)))
                } else {
                    report(
                        [.key("patternProperties"), .key(source)],
                        "invalid regular expression \(JSON.string(source).serializedString())")
                }
            }
        }
        objectApplicator.additional = schema("additionalProperties")
        if members["properties"] != nil || members["patternProperties"] != nil || objectApplicator.additional != nil {
            keywords.append(.objectApplicator(objectApplicator))
        }
        if let names = schema("propertyNames") { keywords.append(.propertyNames(names)) }
        if let dependencies = schemaMap("dependentSchemas") { keywords.append(.dependentSchemas(dependencies)) }
        if let schemas = schemaArray("allOf") { keywords.append(.allOf(schemas)) }
        if let schemas = schemaArray("anyOf") { keywords.append(.anyOf(schemas)) }
        if let schemas = schemaArray("oneOf") { keywords.append(.oneOf(schemas)) }
        if let negated = schema("not") { keywords.append(.not(negated)) }
        let then = schema("then")
        let otherwise = schema("else")
        if let condition = schema("if") {
            keywords.append(.ifThenElse(if: condition, then: then, else: otherwise))
        }
    }

    // MARK: Reading keyword values

    private func report(_ path: [PathComponent], _ message: String) {
        compiler.report(SchemaCompiler.Location(document: location.document, pointer: location.pointer + path), message)
    }

    private func problem(_ keyword: String, _ message: String) {
        report([.key(keyword)], message)
    }

    private func problem(_ keys: [String], _ message: String) {
        report(keys.map { .key($0) }, message)
    }

    private func string(_ keyword: String) -> String? {
        guard let value = members[keyword] else { return nil }
        guard case .string(let text) = value else {
            problem(keyword, "must be a string, got \(value.kindName)")
            return nil
        }
        return text
    }

    private func number(_ keyword: String) -> Double? {
        guard let value = members[keyword] else { return nil }
        guard let number = value.number else {
            problem(keyword, "must be a number, got \(value.kindName)")
            return nil
        }
        return number
    }

    /// A non-negative integer keyword value (`2.0` counts as an integer).
    private func count(_ keyword: String) -> Int? {
        guard let value = members[keyword] else { return nil }
        guard let number = value.number, number >= 0, let integer = Int(exactly: number) else {
            problem(keyword, "must be a non-negative integer, got \(SchemaNode.excerpt(value))")
            return nil
        }
        return integer
    }

    private func stringArray(_ keys: [String]) -> [String]? {
        var value: JSON? = members[keys[0]]
        for key in keys.dropFirst() { value = value?[key] }
        guard let value else { return nil }
        guard case .array(let elements) = value, let strings = elements.map(\.string) as? [String] else {
            problem(keys, "must be an array of strings")
            return nil
        }
        if Set(strings).count != strings.count { problem(keys, "must not contain duplicates") }
        return strings
    }

    private func subschema(_ path: [PathComponent], _ json: JSON) -> SchemaNode {
        compiler.subschema(
            at: SchemaCompiler.Location(document: location.document, pointer: location.pointer + path), json: json,
            base: base, vocabulary: vocabulary)
    }

    private func schema(_ keyword: String) -> SchemaNode? {
        guard let value = members[keyword] else { return nil }
        return subschema([.key(keyword)], value)
    }

    private func schemaArray(_ keyword: String) -> [SchemaNode]? {
        guard let value = members[keyword] else { return nil }
        guard case .array(let elements) = value, !elements.isEmpty else {
            problem(keyword, "must be a non-empty array of schemas")
            return nil
        }
        return elements.enumerated().map { subschema([.key(keyword), .index($0)], $1) }
    }

    private func schemaMap(_ keyword: String) -> [(String, SchemaNode)]? {
        guard let value = members[keyword] else { return nil }
        guard case .object(let entries) = value else {
            problem(keyword, "must be an object whose values are schemas")
            return nil
        }
        return entries.sorted { $0.key < $1.key }.map { ($0, subschema([.key(keyword), .key($0)], $1)) }
    }
}
