import Evident

/// One compiled (sub)schema: a boolean schema, or the keywords of a schema object turned into checks.
///
/// Nodes form a graph (references may be cyclic); the graph is built once by ``SchemaCompiler`` and is
/// never mutated afterwards, which makes sharing it across threads safe.
final class SchemaNode: @unchecked Sendable {
    /// For a boolean schema, its value; nil for a schema object.
    var boolean: Bool?
    /// The checks of a schema object, in evaluation order.
    var keywords: [SchemaKeyword] = []
    /// `unevaluatedProperties`, applied after every other keyword.
    var unevaluatedProperties: SchemaNode?
    /// `unevaluatedItems`, applied after every other keyword.
    var unevaluatedItems: SchemaNode?
    /// The schema resource this node belongs to, for `$dynamicRef` resolution.
    unowned var resource: SchemaResource

    init(resource: SchemaResource) {
        self.resource = resource
    }

    /// Whether evaluating this node needs the annotations of its in-place applicators.
    var needsAnnotations: Bool { unevaluatedProperties != nil || unevaluatedItems != nil }

    /// Whether this is the `false` schema.
    var isFalse: Bool { boolean == false }
}

/// A schema resource (a document root or a subschema with `$id`): the unit of the dynamic scope.
/// `@unchecked Sendable` for the same reason as ``SchemaNode``: built once, then only read.
final class SchemaResource: @unchecked Sendable {
    /// The subschemas carrying `$dynamicAnchor`, by anchor name.
    var dynamicAnchors: [String: NodeReference] = [:]
}

/// A non-owning edge to a node; the compiled graph owns every node, so references can form cycles.
/// `@unchecked Sendable`: it refers to nodes of a graph that is never mutated once compiled.
struct NodeReference: @unchecked Sendable {
    unowned let node: SchemaNode
}

/// A set of JSON Schema type names.
struct SchemaTypeSet: OptionSet, Sendable {
    let rawValue: UInt8
    static let null = SchemaTypeSet(rawValue: 1)
    static let boolean = SchemaTypeSet(rawValue: 2)
    static let integer = SchemaTypeSet(rawValue: 4)
    static let number = SchemaTypeSet(rawValue: 8)
    static let string = SchemaTypeSet(rawValue: 16)
    static let array = SchemaTypeSet(rawValue: 32)
    static let object = SchemaTypeSet(rawValue: 64)

    static let names: [(String, SchemaTypeSet)] = [
        ("null", .null), ("boolean", .boolean), ("integer", .integer), ("number", .number),
        ("string", .string), ("array", .array), ("object", .object),
    ]

    init(rawValue: UInt8) {
        self.rawValue = rawValue
    }

    init?(name: String) {
        guard let match = SchemaTypeSet.names.first(where: { $0.0 == name }) else { return nil }
        self = match.1
    }

    /// Whether `value` is of one of these types.
    func admits(_ value: JSON) -> Bool {
        switch value {
        case .null: contains(.null)
        case .bool: contains(.boolean)
        case .int: !isDisjoint(with: [.integer, .number])
        case .double(let number):
            contains(.number) || (contains(.integer) && number.rounded() == number && number.isFinite)
        case .string: contains(.string)
        case .array: contains(.array)
        case .object: contains(.object)
        }
    }

    /// `string or null`.
    var listing: String {
        SchemaTypeSet.names.filter { contains($0.1) }.map(\.0).joined(separator: " or ")
    }
}

/// `properties`, `patternProperties` and `additionalProperties` of one schema, applied together.
struct ObjectApplicator: Sendable {
    var properties: [String: SchemaNode] = [:]
    var patterns: [(SchemaRegex, SchemaNode)] = []
    var additional: SchemaNode?
}

/// One compiled keyword of a schema object.
enum SchemaKeyword: Sendable {
    case type(SchemaTypeSet)
    case const(JSON)
    case `enum`([JSON])
    case multipleOf(Double)
    case minimum(Double)
    case maximum(Double)
    case exclusiveMinimum(Double)
    case exclusiveMaximum(Double)
    case minLength(Int)
    case maxLength(Int)
    case pattern(SchemaRegex)
    case format(String, @Sendable (String) -> Bool)
    case minItems(Int)
    case maxItems(Int)
    case uniqueItems
    case minProperties(Int)
    case maxProperties(Int)
    case required([String])
    case dependentRequired([(String, [String])])
    case objectApplicator(ObjectApplicator)
    case propertyNames(SchemaNode)
    case dependentSchemas([(String, SchemaNode)])
    case items(prefix: [SchemaNode], rest: SchemaNode?)
    case contains(SchemaNode, min: Int, max: Int?)
    case allOf([SchemaNode])
    case anyOf([SchemaNode])
    case oneOf([SchemaNode])
    case not(SchemaNode)
    case ifThenElse(if: SchemaNode, then: SchemaNode?, else: SchemaNode?)
    case ref(NodeReference)
    /// `$dynamicRef`: the statically resolved target, and the anchor name to look up in the dynamic scope
    /// when that target carries a matching `$dynamicAnchor`.
    case dynamicRef(NodeReference, anchor: String?)
}
