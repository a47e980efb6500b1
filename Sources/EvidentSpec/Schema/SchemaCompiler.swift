internal import Foundation
import Evident

/// Turns schema documents into a graph of ``SchemaNode``s, collecting every problem on the way.
///
/// Documents are indexed first (`$id`, `$anchor`, `$dynamicAnchor`), then nodes are compiled on demand,
/// starting from the root and following references; each schema location is compiled once, so recursive
/// references become cycles in the graph.
final class SchemaCompiler {
    /// A schema location: a document and a path from its root.
    struct Location: Hashable {
        var document: String
        var pointer: [PathComponent]

        func appending(_ component: PathComponent) -> Location {
            Location(document: document, pointer: pointer + [component])
        }

        /// The location as a problem reports it: `properties.total`, or `uri#properties.total` in another
        /// document.
        var rendered: String {
            document.isEmpty ? pointer.rendered(root: "") : document + "#" + pointer.rendered(root: "")
        }
    }

    private let options: JSONSchema.Options
    /// `options.documents`, keyed without fragments.
    private var knownDocuments: [String: JSON] = [:]
    private var documents: [String: JSON] = [:]
    private var resourceLocations: [String: Location] = [:]
    private var anchorLocations: [String: Location] = [:]
    private var dynamicAnchorLocations: [String: [String: Location]] = [:]
    private var resources: [String: SchemaResource] = [:]
    private var resourcesWithAnchorsLinked: Set<String> = []
    private var nodes: [Location: SchemaNode] = [:]
    private var vocabularies: [String: SchemaVocabulary] = [:]

    /// Every problem found so far.
    private(set) var problems: [SchemaCompilationError.Problem] = []
    /// Patterns that may backtrack badly (``SchemaRegex/backtrackingRisk(in:)``): not problems, the schema
    /// still compiles.
    private(set) var warnings: [SchemaCompilationError.Problem] = []
    /// Whether some compiled schema uses `$dynamicRef`.
    private(set) var usesDynamicReferences = false

    init(options: JSONSchema.Options) {
        self.options = options
        for (uri, document) in options.documents {
            knownDocuments[SchemaURI(uri).withoutFragment.string] = document
        }
    }

    /// The compiled graph: owns every node and resource.
    var graph: SchemaGraph {
        SchemaGraph(nodes: Array(nodes.values), resources: Array(resources.values))
    }

    /// Compiles `schema` as the root document and everything it references.
    func compileRoot(_ schema: JSON) -> SchemaNode {
        var key = ""
        if case .string(let id) = schema["$id"] {
            key = SchemaURI(id).withoutFragment.string
        }
        register(schema, as: key)
        let root = node(
            at: Location(document: key, pointer: []), json: schema, base: SchemaURI(key), vocabulary: .standard)
        linkDynamicAnchors()
        return root
    }

    // MARK: Documents and identifiers

    private func register(_ document: JSON, as key: String) {
        documents[key] = document
        resourceLocations[key] = Location(document: key, pointer: [])
        index(document, at: Location(document: key, pointer: []), base: SchemaURI(key))
    }

    /// Loads the document at `uri` (built-in meta-schemas, `options.documents`, then `options.resolver`).
    private func loadDocument(_ uri: String) -> Bool {
        if documents[uri] != nil { return true }
        var document: JSON?
        if let text = MetaSchemas.texts[uri] {
            document = try? JSON(parsing: text)
        } else if let known = knownDocuments[uri] {
            document = known
        } else if let resolver = options.resolver {
            document = resolver(uri)
        }
        guard let document else { return false }
        register(document, as: uri)
        return true
    }

    /// Records the identifiers and anchors of `json` and its subschemas.
    private func index(_ json: JSON, at location: Location, base: SchemaURI) {
        guard case .object(let members) = json else { return }
        var base = base
        if case .string(let id) = members["$id"] {
            base = SchemaURI(id).resolved(against: base).withoutFragment
            if resourceLocations[base.string] == nil { resourceLocations[base.string] = location }
        }
        let resource = base.string
        if case .string(let anchor) = members["$anchor"] {
            anchorLocations[resource + "#" + anchor] = location
        }
        if case .string(let anchor) = members["$dynamicAnchor"] {
            anchorLocations[resource + "#" + anchor] = location
            dynamicAnchorLocations[resource, default: [:]][anchor] = location
        }
        for (keyword, value) in members {
            let child = location.appending(.key(keyword))
            switch SchemaCompiler.shapes[keyword] {
            case .schema:
                index(value, at: child, base: base)
            case .schemaArray:
                for (offset, element) in (value.array ?? []).enumerated() {
                    index(element, at: child.appending(.index(offset)), base: base)
                }
            case .schemaMap:
                for (name, element) in value.object ?? [:] {
                    index(element, at: child.appending(.key(name)), base: base)
                }
            case nil:
                break
            }
        }
    }

    private enum Shape { case schema, schemaArray, schemaMap }

    /// Where the keywords that hold subschemas keep them.
    private static let shapes: [String: Shape] = [
        "items": .schema, "contains": .schema, "additionalProperties": .schema, "propertyNames": .schema,
        "if": .schema, "then": .schema, "else": .schema, "not": .schema, "unevaluatedItems": .schema,
        "unevaluatedProperties": .schema, "contentSchema": .schema,
        "prefixItems": .schemaArray, "allOf": .schemaArray, "anyOf": .schemaArray, "oneOf": .schemaArray,
        "$defs": .schemaMap, "definitions": .schemaMap, "properties": .schemaMap, "patternProperties": .schemaMap,
        "dependentSchemas": .schemaMap,
    ]

    private func resource(_ uri: String) -> SchemaResource {
        if let existing = resources[uri] { return existing }
        let created = SchemaResource()
        resources[uri] = created
        return created
    }

    /// Resolves a `$ref` or `$dynamicRef` value against `base`; nil when nothing is there.
    private func resolve(_ reference: String, against base: SchemaURI) -> Location? {
        let target = SchemaURI(reference).resolved(against: base)
        let resourceURI = target.withoutFragment.string
        if resourceLocations[resourceURI] == nil { _ = loadDocument(resourceURI) }
        guard let resourceLocation = resourceLocations[resourceURI] else { return nil }
        let fragment = (target.fragment ?? "").removingPercentEncoding ?? ""
        if fragment.isEmpty { return resourceLocation }
        guard fragment.hasPrefix("/") else { return anchorLocations[resourceURI + "#" + fragment] }
        guard var json = value(at: resourceLocation) else { return nil }
        var location = resourceLocation
        for token in fragment.dropFirst().split(separator: "/", omittingEmptySubsequences: false) {
            let name = token.replacingOccurrences(of: "~1", with: "/").replacingOccurrences(of: "~0", with: "~")
            switch json {
            case .object(let members):
                guard let member = members[name] else { return nil }
                json = member
                location = location.appending(.key(name))
            case .array(let elements):
                guard let offset = Int(name), elements.indices.contains(offset) else { return nil }
                json = elements[offset]
                location = location.appending(.index(offset))
            default:
                return nil
            }
        }
        return location
    }

    private func value(at location: Location) -> JSON? {
        var json = documents[location.document]
        for component in location.pointer {
            switch component {
            case .key(let key): json = json?[key]
            case .index(let offset): json = json?.array.flatMap { $0.indices.contains(offset) ? $0[offset] : nil }
            }
        }
        return json
    }

    /// The node at `location`, compiled with the base URI and vocabulary its ancestors give it.
    private func node(at location: Location) -> SchemaNode? {
        guard var json = documents[location.document] else { return nil }
        var base = SchemaURI(location.document)
        var vocabulary = SchemaVocabulary.standard
        for component in location.pointer {
            if case .string(let id) = json["$id"] { base = SchemaURI(id).resolved(against: base).withoutFragment }
            if case .string(let metaSchema) = json["$schema"] {
                vocabulary = self.vocabulary(ofMetaSchema: metaSchema, at: location)
            }
            switch component {
            case .key(let key): json = json[key] ?? .null
            case .index(let offset): json = json.array?[offset] ?? .null
            }
        }
        return node(at: location, json: json, base: base, vocabulary: vocabulary)
    }

    private func vocabulary(ofMetaSchema uri: String, at location: Location) -> SchemaVocabulary {
        let key = SchemaURI(uri).withoutFragment.string
        if let known = vocabularies[key] { return known }
        var vocabulary = SchemaVocabulary.standard
        if !loadDocument(key) {
            report(location, "unknown meta-schema '\(uri)'")
        } else if case .object(let declarations) = documents[key]?["$vocabulary"] {
            var unsupported: [String] = []
            vocabulary = SchemaVocabulary(declarations: declarations, unsupported: &unsupported)
            for name in unsupported {
                report(location, "the meta-schema requires the unsupported vocabulary '\(name)'")
            }
        }
        vocabularies[key] = vocabulary
        return vocabulary
    }

    /// Fills in the `$dynamicAnchor` tables of every resource compiled so far (which may compile more).
    private func linkDynamicAnchors() {
        while let uri = resources.keys.first(where: { !resourcesWithAnchorsLinked.contains($0) }) {
            resourcesWithAnchorsLinked.insert(uri)
            for (name, location) in dynamicAnchorLocations[uri] ?? [:] {
                if let target = node(at: location) {
                    resource(uri).dynamicAnchors[name] = NodeReference(node: target)
                }
            }
        }
    }

    func report(_ location: Location, _ message: String) {
        problems.append(SchemaCompilationError.Problem(path: location.rendered, message: message))
    }

    /// Records a warning about the regular expression at `location` when it may backtrack badly.
    func checkBacktracking(_ pattern: String, at location: Location) {
        guard let risk = SchemaRegex.backtrackingRisk(in: pattern) else { return }
        warnings.append(SchemaCompilationError.Problem(path: location.rendered, message: risk))
    }

    // MARK: Nodes

    private func node(at location: Location, json: JSON, base: SchemaURI, vocabulary: SchemaVocabulary) -> SchemaNode {
        if let existing = nodes[location] { return existing }
        var base = base
        var vocabulary = vocabulary
        if case .string(let id) = json["$id"] { base = SchemaURI(id).resolved(against: base).withoutFragment }
        if case .string(let metaSchema) = json["$schema"] {
            vocabulary = self.vocabulary(ofMetaSchema: metaSchema, at: location.appending(.key("$schema")))
        }
        let node = SchemaNode(resource: resource(base.string))
        nodes[location] = node
        switch json {
        case .bool(let value):
            node.boolean = value
        case .object(let members):
            var builder = SchemaNodeBuilder(
                compiler: self, members: members, location: location, base: base, vocabulary: vocabulary)
            builder.build(into: node)
        default:
            report(location, "a schema must be an object or a boolean, got \(json.kindName)")
            node.boolean = true
        }
        return node
    }

    /// Compiles the subschema `json` found at `location` inside a schema with the given base URI.
    func subschema(at location: Location, json: JSON, base: SchemaURI, vocabulary: SchemaVocabulary) -> SchemaNode {
        node(at: location, json: json, base: base, vocabulary: vocabulary)
    }

    /// The node a `$ref` (or the static target of a `$dynamicRef`) points to, with its JSON.
    func referencedNode(_ reference: String, base: SchemaURI) -> (SchemaNode, JSON)? {
        guard let location = resolve(reference, against: base), let json = value(at: location),
            let target = node(at: location)
        else { return nil }
        return (target, json)
    }

    func noteDynamicReference() {
        usesDynamicReferences = true
    }

    /// Whether format assertion is on for a schema with this vocabulary.
    func assertsFormats(_ vocabulary: SchemaVocabulary) -> Bool {
        options.assertFormats || vocabulary.formatAssertion
    }
}

/// Owns every node and resource of a compiled schema.
/// `@unchecked Sendable`: like its nodes, it is filled while compiling and never mutated afterwards.
final class SchemaGraph: @unchecked Sendable {
    let nodes: [SchemaNode]
    let resources: [SchemaResource]

    init(nodes: [SchemaNode], resources: [SchemaResource]) {
        self.nodes = nodes
        self.resources = resources
    }
}
